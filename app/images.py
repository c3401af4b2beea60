"""What every image upload (avatars, background images) shares: a limit on how many are decoded at
once. A small file can decode to a hundred megabytes or more (a one-colour 40-megapixel PNG), and
each resize or re-encode makes copies; without a limit a dozen parallel uploads in the thread pool
could take gigabytes. Two at a time keeps the worst case to a few hundred MB, like the password
hashing slots of app/accounts/passwords.py."""

from __future__ import annotations

import threading

DECODING = threading.BoundedSemaphore(2)
