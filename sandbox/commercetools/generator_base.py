"""Word lists and the generation context shared by the data generator modules.

``GenContext`` holds the seeded RNG (deterministic ids), one timestamp per run, a cache of
shared immutable values and the switch between silent bulk insertion and insertion with
messages. Nothing here decides what data to create.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from .store import Doc, Store
from .util import now_iso

COLORS = [
    ("red", "rot"),
    ("blue", "blau"),
    ("green", "grün"),
    ("black", "schwarz"),
    ("white", "weiß"),
    ("grey", "grau"),
    ("yellow", "gelb"),
    ("navy", "marineblau"),
]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
BRANDS = [
    "Northwind",
    "Alpenrose",
    "Kestrel",
    "Lumen",
    "Tidewater",
    "Ironbark",
    "Solace",
]
ADJECTIVES = [
    ("Classic", "Klassisch"),
    ("Urban", "Urbanes"),
    ("Light", "Leichtes"),
    ("Warm", "Warmes"),
    ("Sport", "Sport"),
    ("Premium", "Premium"),
    ("Organic", "Bio"),
    ("Vintage", "Vintage"),
]
NOUNS = [
    ("Shirt", "Hemd"),
    ("Jacket", "Jacke"),
    ("Sneaker", "Turnschuh"),
    ("Bag", "Tasche"),
    ("Hoodie", "Kapuzenpulli"),
    ("Scarf", "Schal"),
    ("Dress", "Kleid"),
    ("Cap", "Mütze"),
]
CATEGORY_WORDS = [
    ("Women", "Damen"),
    ("Men", "Herren"),
    ("Kids", "Kinder"),
    ("Shoes", "Schuhe"),
    ("Outdoor", "Outdoor"),
    ("Accessories", "Accessoires"),
    ("Sale", "Sale"),
    ("New", "Neu"),
    ("Sport", "Sport"),
    ("Home", "Wohnen"),
]
CITIES = [
    ("Amsterdam", "NL", 4.9003, 52.3789),
    ("Berlin", "DE", 13.4050, 52.5200),
    ("Munich", "DE", 11.5820, 48.1351),
    ("Hamburg", "DE", 9.9937, 53.5511),
    ("Rotterdam", "NL", 4.4777, 51.9244),
    ("New York", "US", -74.0060, 40.7128),
    ("Chicago", "US", -87.6298, 41.8781),
    ("London", "GB", -0.1276, 51.5072),
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jonas",
]
LAST_NAMES = [
    "Smith",
    "Müller",
    "de Vries",
    "Schmidt",
    "Jansen",
    "Brown",
    "Weber",
    "Bakker",
]


def ean(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(12)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


class GenContext:
    def __init__(self, store: Store, seed: Any, offset: int, messages: bool) -> None:
        self.store = store
        self.rng = random.Random(f"{seed}:{offset}")
        self.stamp = now_iso()
        self.messages = messages
        self.shared: dict[Any, Any] = {}

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def share(self, key: Any, value: Any) -> Any:
        return self.shared.setdefault(key, value)

    def add(self, type_id: str, doc: Doc, msgs: list[tuple[str, Doc]]) -> None:
        if self.messages:
            self.store.insert(type_id, doc, msgs)
            return
        doc.update(version=1, createdAt=self.stamp, lastModifiedAt=self.stamp)
        self.store.coll(type_id).put(doc)
