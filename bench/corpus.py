"""Synthetic support-ticket text: realistic subjects, 50-150 words per message from a small
vocabulary (Zipf-like, so a few words are in most tickets) and a sprinkling of rare words (each in a
handful of tickets), so that searches for a common and a rare word both mean something."""

from __future__ import annotations

import random

PRODUCTS = (
    "printer", "laptop", "invoice", "account", "password", "router", "mailbox", "license",
    "dashboard", "export", "backup", "calendar", "subscription", "phone", "VPN", "scanner",
    "report", "order", "delivery", "website", "app", "monitor", "keyboard", "database",
)
PROBLEMS = (
    "not working after update", "keeps crashing", "question about billing", "cannot log in",
    "very slow since yesterday", "shows an error message", "missing from my list",
    "needs to be replaced", "sync fails every morning", "request for a refund",
    "how do I change the settings", "stopped responding", "was charged twice",
    "does not print anything", "lost all my data", "upgrade request", "access for a new colleague",
)
PREFIXES = ("", "", "", "Urgent: ", "Re: ", "Question: ", "Help - ", "")

# Ordered roughly by how often support mail uses them: the first ones end up in most tickets.
WORDS = """
the i to and a it is my we of in not for this that you have on with can be our when
please after but do was since from help there again it's still get error an all at
problem would like any need could me some now so working issue work us are what if
thanks way just also been how know one time or today update new will by does
account printer email login password screen message system customer order invoice page
office team colleague support access version computer phone network file files folder
setting settings yesterday morning week monday friday every always never sometimes
tried restart restarted reinstalled checked cleared cache browser chrome firefox windows
mac laptop desktop server connection slow fast broken crash crashes crashed freeze
shows showing appears nothing blank white black red button click clicked menu tab
report reports export import upload download attached attachment screenshot log logs
number code reference ticket previous last first second third hour hours minute minutes
day days month payment charged twice refund price plan subscription renew renewal
cancel cancelled contract license key activate activation expired expire trial
manager boss client clients deadline important urgent quickly soon possible asap
wifi router cable port printer's toner paper jam tray driver drivers install installed
calendar meeting invite sync synchronise mobile app android iphone tablet notification
notifications backup restore deleted missing lost recover data database table column
vpn remote home office building floor room desk badge card reader door
regards best kind sincerely hello hi dear thank you very much appreciate
""".split()

RARE_WORDS = """
zeppelin quokka marzipan obsidian kaleidoscope platypus xylophone fjord cardamom
juxtapose labyrinth nebula ocelot pangolin quasar rhubarb saffron tundra umbrella vortex
walrus yodel zucchini aardvark bergamot chrysanthemum dulcimer echidna flamingo gazebo
hydrangea iguana jackfruit kumquat lorikeet mongoose narwhal origami pistachio quinoa
""".split()


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


class Corpus:
    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self._weights = _zipf_weights(len(WORDS))
        self._cum = []
        total = 0.0
        for w in self._weights:
            total += w
            self._cum.append(total)

    def subject(self) -> str:
        r = self.rng
        return f"{r.choice(PREFIXES)}{r.choice(PRODUCTS).capitalize()} {r.choice(PROBLEMS)}"

    def words(self, lo: int, hi: int, rare_chance: float = 0.0) -> str:
        r = self.rng
        n = r.randint(lo, hi)
        words = r.choices(WORDS, cum_weights=self._cum, k=n)
        if rare_chance and r.random() < rare_chance:
            words[r.randrange(n)] = r.choice(RARE_WORDS)
        # Sentences of 8-16 words, capitalised, ending with a full stop.
        out, i = [], 0
        while i < n:
            k = r.randint(8, 16)
            sentence = words[i : i + k]
            sentence[0] = sentence[0].capitalize()
            out.append(" ".join(sentence) + ".")
            i += k
        return " ".join(out)

    def name(self) -> str:
        r = self.rng
        first = r.choice(("Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
                          "Kira", "Liam", "Mira", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara"))
        last = r.choice(("Schmidt", "Miller", "Garcia", "Novak", "Rossi", "Dubois", "Jensen", "Kowalski",
                         "Silva", "Tanaka", "Okafor", "Nguyen", "Larsen", "Weber", "Costa"))
        return f"{first} {last}"
