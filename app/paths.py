"""Where templates and static files live: inside the package (wheel/zipapp) or the source tree."""

from pathlib import Path

import app

_PACKAGE = Path(app.__file__).parent


def resource_dir(name: str) -> Path:
    """`templates` or `static`: the wheel force-includes them as app/<name>; an editable install
    or a source checkout keeps them at the repository's top level."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name
