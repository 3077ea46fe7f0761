"""The sandbox's product world: distributors, manufacturers, product types and a generated product catalogue.

Every shape is the one of ITscope's OpenAPI description (``company``, ``supplier``, ``manufacturer``, ``productType``,
``product``, ``supplierItem``); dicts never hold ``None`` (an absent field is left out, as ITscope leaves it out).

Public names (the product routes and ``business.py`` import them; keep them stable):

- ``catalogue_for(sandbox) -> Catalogue``: the sandbox's catalogue, built on first use and cached in ``sandbox.state``.
- ``Catalogue.distributors``: ``company`` dicts, each with its ``supplier``; ``Catalogue.distributor(id)`` finds one.
  ``PARTNER_TEST_ID`` (10000735, "ITscope Partner-Test") is always there. Partnered distributors carry
  ``customerAccountNumber`` and ``orderAccountNumber`` (the latter falls back to the former, as the OpenAPI says);
  ``Catalogue.partnered_ids`` are their ids.
- ``Catalogue.manufacturers``: ``company`` dicts, each with its ``manufacturer``.
- ``Catalogue.product_types``: ``productType`` dicts.
- ``Catalogue.product(puid) -> dict | None``: one product in the ``standard`` view at the current generation; also
  finds price-list-line products.
- ``Catalogue.offer(distributor_id, supplier_sku) -> (product, supplierItem) | None``: the offer an ORDER line names.
- ``Catalogue.products(start=0, stop=None)``: catalogue products in puid order (a generator).
- ``Catalogue.search(criteria, sort, plz)``, ``Catalogue.tick(at)``, ``Catalogue.generation``; ``update_view(product)``.

Identity (so any product is found without generating the others):

- product number ``i`` (0-based) has puid ``10000000000 + i * 1000`` (ITscope's ids end in 000); price-list-line
  product ``j`` (``plzproducts``; one per 50 catalogue products) has puid ``10000000000 + j * 1000 + 999``: an
  integer ending in 999, because the OpenAPI types ``puid`` as int64.
- a supplierSKU is the distributor's prefix and the product number: ``AL0000042`` (product 42 at ALSO), ``ALP000003``
  (price-list line 3); a supplierItem ``id`` is ``40000000000 + (2 * i + is_plz) * 8 + distributor position``.
- EANs are valid EAN-13s that encode the product, so an EAN lookup is one generation too.

Each product comes from its own ``random.Random`` seeded by (seed, product number): an 800,000-product export streams
in constant memory, and two sandboxes with the same seed (started the same UTC day: timestamps count back from that
day's midnight) hold the same catalogue.

Generations: ``tick(at)`` moves the catalogue one generation on. In each generation a deterministic tenth of all offers
change: offer ``o`` changes in generations ``phase(o), phase(o) + 10, …`` (phase in 1..10), alternately its price and
its stock, and the changed field's ``priceLastUpdate`` / ``lastStockUpdate`` becomes the tick's time. So the state of
any offer at any generation is computed directly, never replayed.
"""

import random
import time
from collections import namedtuple

from ..codes import AVAILABILITY_RANK

PARTNER_TEST_ID = 10000735
MEDIA_BASE = "https://media.itscope.com/img"  # ITscope's image host, for catalogues not served over HTTP
PUID_BASE = 10_000_000_000
PLZ_SUFFIX = 999
PLZ_SHARE = 50  # one price-list-line product per 50 catalogue products: about 2 %
MAX_PRODUCTS = 800_000  # ITscope Enterprise's export limit; the generator's index space
OFFER_ID_BASE = 40_000_000_000
CURRENCY = "EUR"
VAT = 19
PRICE_CALC_MARKUP = 1.08  # the sandbox account's "own price calculation rule"

_DAY = 86_400
_EAN_MODULUS = 10**9
_EAN_FACTOR = 387_420_489  # coprime to 10: the EAN payload is a bijection of the product key
_EAN_OFFSET = 271_828_182
_SKU_MODULUS = 36**5
_SKU_FACTOR = 16_777_259  # coprime to 36
_SKU_OFFSET = 31_415_926
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# ---------------------------------------------------------------------------------------------------------------------
# Codes (ITscope's availability and condition tables)
# ---------------------------------------------------------------------------------------------------------------------

STOCK_STATUS_TEXTS = {
    1: "In stock",
    2: "In transit",
    3: "In field warehouse",
    4: "Order-related",
    6: "Not available",
    8: "Status unknown",
}
_SUPPLIER_STOCK_TEXTS = {
    1: "%d Stk. lagernd",
    2: "Zulauf %d",
    3: "%d Außenlager",
    4: "Bestellware",
    6: "nicht lieferbar",
    8: "k. A.",
}
CONDITION_NAMES = {
    1: "New",
    2: "Used",
    3: "B-stock",
    4: "Refurbished",
    5: "RMA",
    6: "Demo",
    7: "Build to order",
    8: "Electronic delivery (ESD)",
    9: "Not for resale (NFR)",
    10: "Bulk",
    11: "Factory refurbished",
    12: "Spare part from new device",
}
_CONDITION_DRAW = (1,) * 85 + tuple(code for code in CONDITION_NAMES if code != 1) + (9, 10, 3, 4)

# Stock states an offer cycles through, one step per stock change: neighbours differ, so every change shows.
# Drawn uniformly for the first state: half "in stock", every other availability code at least 1 in 12.
_STOCK_STATES = ((1, 12), (1, 3), (1, 48), (2, 20), (1, 7), (3, 20), (4, 0), (1, 25), (6, 0), (1, 1), (8, 0), (2, 5))
_PRICE_STEPS = (0.97, 1.02, 0.95, 1.04, 0.99, 1.03, 0.96, 1.01)  # never 1, neighbours differ
_OFFER_COUNTS = (1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4)
_SEARCHES_KEPT = 64
# product field <- field of its best offer (the cheapest one in stock, else the cheapest)
_BEST_OFFER_FIELDS = (
    ("price", "price"), ("priceCalc", "priceCalc"), ("currencyCode", "currencyCode"), ("priceCalcVat", "priceCalcVat"),
    ("priceLastUpdate", "priceLastUpdate"), ("priceSupplierId", "supplierId"), ("priceSupplierName", "supplierName"),
    ("priceSupplierItemId", "id"), ("priceSupplierSKU", "supplierSKU"), ("stockSupplierText", "stockSupplierText"),
    ("stockStatus", "stockStatus"), ("stockStatusText", "stockStatusText"), ("stock", "stock"),
    ("externalStock", "externalStock"), ("incomingStock", "incomingStock"),
    ("stockAvailabilityDate", "stockAvailabilityDate"), ("stockLastUpdate", "lastStockUpdate"),
)  # fmt: skip

# ---------------------------------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------------------------------

_Distributor = namedtuple("_Distributor", "id name street zip city sku_prefix customer_number order_number weee")
_DISTRIBUTORS = (
    _Distributor(
        10000027, "ALSO Deutschland GmbH", "Lange Straße 12", "59494", "Soest", "AL", "448812", None, "DE 11784633"
    ),
    _Distributor(
        10000041,
        "Ingram Micro Distribution GmbH",
        "Am Messeplatz 3",
        "85609",
        "Aschheim",
        "IM",
        "2093114",
        "2093114-EDI",
        "DE 12955027",
    ),
    _Distributor(
        10000050,
        "TD SYNNEX Germany GmbH & Co. OHG",
        "Parkring 20",
        "85748",
        "Garching",
        "TD",
        "55012",
        None,
        "DE 15338241",
    ),
    _Distributor(
        10000312, "api Computerhandels GmbH", "Gewerbestraße 4", "52499", "Baesweiler", "API", None, None, None
    ),
    _Distributor(10000187, "Wortmann AG", "Industriering 20", "32609", "Hüllhorst", "WO", None, None, "DE 41733985"),
    _Distributor(
        10000498,
        "Siewert & Kau Computertechnik GmbH",
        "Am Wasserturm 12",
        "50126",
        "Bergheim",
        "SK",
        "K-77120",
        "B-77120",
        None,
    ),
    _Distributor(10000611, "KOMSA AG", "Am Park 1", "09232", "Hartmannsdorf", "KO", None, None, "DE 60452317"),
    _Distributor(
        PARTNER_TEST_ID,
        "ITscope Partner-Test",
        "Ludwig-Erhard-Allee 20",
        "76131",
        "Karlsruhe",
        "PT",
        "TEST-4711",
        None,
        None,
    ),
)

_Manufacturer = namedtuple("_Manufacturer", "id name short groups gs1 city country")
_MANUFACTURERS = (
    _Manufacturer(100208, "HP Inc.", "HP", "PCN MON DRU ZUB SOF", "019", "Palo Alto", "USA"),
    _Manufacturer(100215, "Hewlett Packard Enterprise", "HPE", "PCN NET", "019", "Houston", "USA"),
    _Manufacturer(100342, "Lenovo Group Ltd.", "Lenovo", "PCN MON ZUB SOF", "019", "Hongkong", "HKG"),
    _Manufacturer(100119, "Dell Technologies Inc.", "Dell", "PCN MON ZUB SOF", "088", "Round Rock", "USA"),
    _Manufacturer(100027, "Apple Inc.", "Apple", "PCN ZUB", "019", "Cupertino", "USA"),
    _Manufacturer(100401, "Microsoft Corporation", "Microsoft", "PCN ZUB SOF", "088", "Redmond", "USA"),
    _Manufacturer(100166, "Fujitsu Technology Solutions GmbH", "Fujitsu", "PCN", "400", "München", "DEU"),
    _Manufacturer(100031, "ASUSTeK Computer Inc.", "ASUS", "PCN MON NET", "471", "Taipeh", "TWN"),
    _Manufacturer(100002, "Acer Inc.", "Acer", "PCN MON", "471", "Neu-Taipeh", "TWN"),
    _Manufacturer(100522, "Samsung Electronics Co., Ltd.", "Samsung", "MON SPE", "880", "Suwon", "KOR"),
    _Manufacturer(100344, "LG Electronics Inc.", "LG", "MON", "880", "Seoul", "KOR"),
    _Manufacturer(100048, "BenQ Corporation", "BenQ", "MON", "471", "Taipeh", "TWN"),
    _Manufacturer(100271, "iiyama Corporation", "iiyama", "MON", "490", "Tokio", "JPN"),
    _Manufacturer(100463, "Philips (MMD Monitors & Displays)", "Philips", "MON", "871", "Amsterdam", "NLD"),
    _Manufacturer(100141, "Seiko Epson Corporation", "Epson", "MON DRU", "490", "Suwa", "JPN"),
    _Manufacturer(100071, "Canon Inc.", "Canon", "DRU", "490", "Tokio", "JPN"),
    _Manufacturer(100059, "Brother Industries, Ltd.", "Brother", "DRU", "490", "Nagoya", "JPN"),
    _Manufacturer(100330, "Kyocera Document Solutions Inc.", "Kyocera", "DRU", "490", "Osaka", "JPN"),
    _Manufacturer(100690, "Xerox Holdings Corporation", "Xerox", "DRU", "009", "Norwalk", "USA"),
    _Manufacturer(100675, "Western Digital Corporation", "WD", "SPE", "071", "San Jose", "USA"),
    _Manufacturer(100548, "Seagate Technology Holdings plc", "Seagate", "SPE", "076", "Dublin", "IRL"),
    _Manufacturer(100318, "Kingston Technology Company, Inc.", "Kingston", "SPE", "074", "Fountain Valley", "USA"),
    _Manufacturer(100106, "Micron Technology, Inc. (Crucial)", "Crucial", "SPE", "064", "Boise", "USA"),
    _Manufacturer(100583, "Synology Inc.", "Synology", "SPE", "471", "Taipeh", "TWN"),
    _Manufacturer(100490, "QNAP Systems, Inc.", "QNAP", "SPE", "471", "Neu-Taipeh", "TWN"),
    _Manufacturer(100181, "G DATA CyberDefense AG", "G DATA", "SOF", "401", "Bochum", "DEU"),
    _Manufacturer(100093, "Cisco Systems, Inc.", "Cisco", "NET", "074", "San Jose", "USA"),
    _Manufacturer(100427, "NETGEAR, Inc.", "Netgear", "NET", "060", "San Jose", "USA"),
    _Manufacturer(100614, "TP-Link Technologies Co., Ltd.", "TP-Link", "NET ZUB", "693", "Shenzhen", "CHN"),
    _Manufacturer(100641, "Ubiquiti Inc.", "Ubiquiti", "NET", "081", "New York", "USA"),
    _Manufacturer(100036, "AVM GmbH", "AVM", "NET", "400", "Berlin", "DEU"),
    _Manufacturer(100170, "Fortinet, Inc.", "Fortinet", "NET SOF", "084", "Sunnyvale", "USA"),
    _Manufacturer(100702, "Zyxel Networks Corporation", "Zyxel", "NET", "471", "Hsinchu", "TWN"),
    _Manufacturer(100022, "APC by Schneider Electric", "APC", "NET", "073", "Rueil-Malmaison", "FRA"),
    _Manufacturer(100137, "Eaton Corporation plc", "Eaton", "NET", "374", "Dublin", "IRL"),
    _Manufacturer(100352, "Logitech International S.A.", "Logitech", "ZUB", "509", "Lausanne", "CHE"),
    _Manufacturer(100283, "Jabra (GN Audio A/S)", "Jabra", "ZUB", "570", "Ballerup", "DNK"),
    _Manufacturer(100471, "Poly (HP Inc.)", "Poly", "ZUB", "017", "Santa Cruz", "USA"),
    _Manufacturer(100589, "Targus International LLC", "Targus", "ZUB", "509", "Anaheim", "USA"),
    _Manufacturer(100081, "Cherry Europe GmbH", "Cherry", "ZUB", "401", "Auerbach", "DEU"),
)

_GROUPS = {
    "PCN": "PC-Systeme & Notebooks",
    "MON": "Monitore & Projektoren",
    "SPE": "Speicher",
    "NET": "Netzwerktechnik & USV",
    "DRU": "Drucker, Scanner & Verbrauchsmaterial",
    "ZUB": "Zubehör & Peripherie",
    "SOF": "Software & Services",
}

_AttributeType = namedtuple("_AttributeType", "id name group_id group_name values")


def _numbers(unit, *numbers):
    """(value, displayValue) pairs of a numeric attribute: the base value, and the value with its unit."""
    return tuple((str(number), "%s %s" % (number, unit) if unit != '"' else '%s"' % number) for number in numbers)


def _texts(*texts):
    return tuple((text, text) for text in texts)


_ATTRIBUTE_TYPES = {
    item.id: item
    for item in (
        _AttributeType(501, "Bildschirmdiagonale", 50, "Display", _numbers('"', 11, 13.3, 14, 15.6, 16, 17.3)),
        _AttributeType(502, "Bildschirmdiagonale", 50, "Display", _numbers('"', 23.8, 27, 31.5, 34, 43, 55, 65)),
        _AttributeType(503, "Arbeitsspeicher", 51, "Speicher", _numbers("GB", 4, 8, 16, 32, 64, 128)),
        _AttributeType(
            504,
            "Prozessor",
            52,
            "Prozessor",
            _texts(
                "Intel Core i5",
                "Intel Core i7",
                "Intel Core Ultra 7",
                "AMD Ryzen 5",
                "AMD Ryzen 7",
                "Intel Xeon Silver",
            ),
        ),
        _AttributeType(505, "Speicherkapazität", 51, "Speicher", _numbers("GB", 128, 256, 512, 1000, 2000, 4000, 8000)),
        _AttributeType(
            506, "Bauform", 53, "Gehäuse", _texts("Tower", "Mini-Tower", "Small Form Factor", "Rack 1U", "Rack 2U")
        ),
        _AttributeType(507, "Farbe", 53, "Gehäuse", _texts("Schwarz", "Silber", "Weiß", "Grau", "Blau")),
        _AttributeType(
            508,
            "Auflösung",
            50,
            "Display",
            _texts("1920 x 1080", "1920 x 1200", "2560 x 1440", "3840 x 2160", "5120 x 1440"),
        ),
        _AttributeType(509, "Panel-Typ", 50, "Display", _texts("IPS", "VA", "TN", "OLED")),
        _AttributeType(510, "Helligkeit", 50, "Display", _numbers("ANSI-Lumen", 3000, 3600, 4000, 5000, 6000)),
        _AttributeType(511, "Helligkeit", 50, "Display", _numbers("cd/m²", 350, 400, 500, 700)),
        _AttributeType(
            512,
            "Schnittstelle",
            54,
            "Anschlüsse",
            _texts("SATA 6Gb/s", "NVMe PCIe 4.0", "NVMe PCIe 5.0", "SAS 12Gb/s", "USB 3.2 Gen 1", "USB-C"),
        ),
        _AttributeType(513, "Formfaktor", 53, "Gehäuse", _texts('2.5"', '3.5"', "M.2 2280", "M.2 2242")),
        _AttributeType(514, "Speichertyp", 51, "Speicher", _texts("DDR4", "DDR5", "LPDDR5")),
        _AttributeType(515, "Laufwerksschächte", 53, "Gehäuse", _numbers("Schächte", 2, 4, 6, 8, 12)),
        _AttributeType(516, "Anzahl Ports", 54, "Anschlüsse", _numbers("Ports", 5, 8, 16, 24, 48)),
        _AttributeType(517, "Übertragungsrate", 55, "Netzwerk", _numbers("Gbit/s", 1, 2.5, 10, 25)),
        _AttributeType(
            518, "Management", 55, "Netzwerk", _texts("Unmanaged", "Smart Managed", "Managed L2", "Managed L3")
        ),
        _AttributeType(519, "WLAN-Standard", 55, "Netzwerk", _texts("Wi-Fi 5", "Wi-Fi 6", "Wi-Fi 6E", "Wi-Fi 7")),
        _AttributeType(520, "Power over Ethernet", 55, "Netzwerk", _texts("nein", "PoE", "PoE+", "PoE++")),
        _AttributeType(521, "Firewall-Durchsatz", 55, "Netzwerk", _numbers("Gbit/s", 1, 3, 5, 10, 20)),
        _AttributeType(522, "Kabellänge", 53, "Gehäuse", _numbers("m", 0.5, 1, 2, 3, 5, 10)),
        _AttributeType(523, "Kategorie", 55, "Netzwerk", _texts("Cat 5e", "Cat 6", "Cat 6a", "Cat 7", "Cat 8")),
        _AttributeType(524, "Ausgangsleistung", 56, "Stromversorgung", _numbers("VA", 650, 1000, 1500, 2200, 3000)),
        _AttributeType(525, "Druckfarbe", 57, "Druck", _texts("Monochrom", "Farbe")),
        _AttributeType(526, "Druckgeschwindigkeit", 57, "Druck", _numbers("Seiten/min", 20, 30, 40, 50, 60)),
        _AttributeType(527, "Max. Papierformat", 57, "Druck", _texts("A4", "A3")),
        _AttributeType(528, "Scan-Auflösung", 57, "Druck", _numbers("dpi", 600, 1200, 2400, 4800)),
        _AttributeType(529, "Reichweite", 57, "Druck", _numbers("Seiten", 1000, 2500, 5000, 10000, 20000)),
        _AttributeType(
            530, "Farbe der Kartusche", 57, "Druck", _texts("Schwarz", "Cyan", "Magenta", "Gelb", "Multipack")
        ),
        _AttributeType(531, "Anschlusstechnik", 54, "Anschlüsse", _texts("USB", "Bluetooth", "Funk 2.4 GHz", "USB-C")),
        _AttributeType(
            532,
            "Tastaturlayout",
            58,
            "Eingabe",
            _texts("Deutsch (QWERTZ)", "US (QWERTY)", "Schweiz (QWERTZ)", "Frankreich (AZERTY)"),
        ),
        _AttributeType(533, "Bauform", 58, "Eingabe", _texts("On-Ear", "Over-Ear", "In-Ear", "Mono")),
        _AttributeType(534, "Material", 53, "Gehäuse", _texts("Nylon", "Polyester", "Leder")),
        _AttributeType(535, "Leistungsabgabe", 56, "Stromversorgung", _numbers("W", 65, 90, 100, 135, 180)),
        _AttributeType(536, "Videoauflösung", 58, "Eingabe", _texts("720p", "1080p", "1440p", "4K")),
        _AttributeType(537, "Anzahl Anschlüsse", 54, "Anschlüsse", _numbers("Anschlüsse", 6, 8, 11, 14)),
        _AttributeType(538, "Projektionstechnik", 50, "Display", _texts("DLP", "3LCD", "LCoS")),
        _AttributeType(539, "Modulbauform", 51, "Speicher", _texts("DIMM", "SO-DIMM", "RDIMM")),
        _AttributeType(540, "Sensorauflösung", 58, "Eingabe", _numbers("dpi", 1000, 1600, 4000, 8000)),
        _AttributeType(541, "Lizenztyp", 59, "Lizenz", _texts("Vollversion", "Upgrade", "Abonnement")),
        _AttributeType(542, "Laufzeit", 59, "Lizenz", _numbers("Jahre", 1, 3, 5)),
        _AttributeType(543, "Anzahl Lizenzen", 59, "Lizenz", _numbers("Benutzer", 1, 5, 10, 25)),
        _AttributeType(
            544, "Service-Level", 59, "Lizenz", _texts("Next Business Day", "4h vor Ort", "Pick-up & Return")
        ),
    )
}

_ProductType = namedtuple(
    "_ProductType",
    "id group name singular attributes price_low price_high weight_low weight_high tariff contracts makers fields",
)
_PHYSICAL = ()
_LICENSE = ((3, "License"),)


def _product_type_row(type_id, group, name, singular, attribute_ids, *rest):
    """A product type with what generating its products needs at hand: attribute types, makers, product fields."""
    attributes = tuple(_ATTRIBUTE_TYPES[a] for a in attribute_ids)
    fields = {
        "productTypeId": type_id,
        "productTypeGroupId": group,
        "productTypeGroupName": _GROUPS[group],
        "productTypeName": name,
    }
    for number, attribute in enumerate(attributes, start=1):
        fields["attributeTypeId%d" % number] = attribute.id
        fields["attributeTypeName%d" % number] = attribute.name
    makers = tuple(m for m in _MANUFACTURERS if group in m.groups.split())
    return _ProductType(type_id, group, name, singular, attributes, *rest, makers, fields)


_PRODUCT_TYPES = tuple(
    _product_type_row(*row)
    for row in (
        (1001, "PCN", "Notebooks", "Notebook", (501, 503, 504), 450, 2600, 1.2, 2.6, "84713000", _PHYSICAL),
        (1002, "PCN", "Desktop-PCs", "Desktop-PC", (504, 503, 506), 400, 1800, 4.0, 9.0, "84714100", _PHYSICAL),
        (1003, "PCN", "Workstations", "Workstation", (504, 503, 505), 1200, 5000, 8.0, 18.0, "84714100", _PHYSICAL),
        (1004, "PCN", "Tablets", "Tablet", (501, 505, 507), 180, 1400, 0.4, 0.9, "84713000", _PHYSICAL),
        (1005, "PCN", "Server", "Server", (504, 503, 506), 1500, 9000, 12.0, 30.0, "84715000", _PHYSICAL),
        (1006, "PCN", "Thin Clients", "Thin Client", (504, 503, 505), 250, 700, 1.0, 2.5, "84714100", _PHYSICAL),
        (1101, "MON", "Monitore", "Monitor", (502, 508, 509), 110, 1500, 3.5, 12.0, "85285210", _PHYSICAL),
        (1102, "MON", "Projektoren", "Projektor", (510, 508, 538), 400, 3000, 2.5, 8.0, "85286200", _PHYSICAL),
        (1103, "MON", "Large-Format-Displays", "Display", (502, 508, 511), 900, 6000, 15, 45, "85285900", _PHYSICAL),
        (1201, "SPE", "Festplatten", "Festplatte", (505, 512, 513), 60, 600, 0.1, 0.8, "84717050", _PHYSICAL),
        (1202, "SPE", "SSDs", "SSD", (505, 512, 513), 40, 900, 0.02, 0.1, "84717050", _PHYSICAL),
        (1203, "SPE", "USB-Sticks", "USB-Stick", (505, 512, 507), 6, 80, 0.01, 0.05, "85235110", _PHYSICAL),
        (1204, "SPE", "Speichermodule", "Speichermodul", (503, 514, 539), 25, 600, 0.02, 0.1, "84733020", _PHYSICAL),
        (1205, "SPE", "NAS-Systeme", "NAS", (515, 505, 517), 180, 2500, 2.0, 12.0, "84717098", _PHYSICAL),
        (1301, "NET", "Switches", "Switch", (516, 517, 518), 40, 6000, 0.5, 6.0, "85176200", _PHYSICAL),
        (1302, "NET", "Router", "Router", (516, 517, 519), 60, 1500, 0.3, 3.0, "85176200", _PHYSICAL),
        (1303, "NET", "WLAN Access Points", "Access Point", (519, 517, 520), 80, 900, 0.3, 1.2, "85176200", _PHYSICAL),
        (1304, "NET", "Firewalls", "Firewall", (521, 516, 506), 300, 8000, 1.0, 9.0, "85176200", _PHYSICAL),
        (1305, "NET", "Netzwerkkabel", "Patchkabel", (522, 523, 507), 3, 40, 0.02, 0.4, "85444290", _PHYSICAL),
        (1306, "NET", "USV-Anlagen", "USV", (524, 506, 516), 90, 3000, 5.0, 40.0, "85044030", _PHYSICAL),
        (1401, "DRU", "Laserdrucker", "Laserdrucker", (525, 526, 527), 120, 2500, 7.0, 40.0, "84433210", _PHYSICAL),
        (
            1402,
            "DRU",
            "Tintenstrahldrucker",
            "Tintenstrahldrucker",
            (525, 526, 527),
            60,
            700,
            4.0,
            12.0,
            "84433210",
            _PHYSICAL,
        ),
        (
            1403,
            "DRU",
            "Multifunktionsgeräte",
            "Multifunktionsgerät",
            (525, 526, 528),
            150,
            3000,
            8.0,
            50.0,
            "84433100",
            _PHYSICAL,
        ),
        (1404, "DRU", "Scanner", "Scanner", (528, 527, 531), 90, 1500, 1.5, 8.0, "84716070", _PHYSICAL),
        (1405, "DRU", "Toner", "Toner", (530, 529, 525), 20, 300, 0.4, 1.5, "84439990", _PHYSICAL),
        (1406, "DRU", "Tintenpatronen", "Tintenpatrone", (530, 529, 525), 8, 90, 0.03, 0.2, "84439990", _PHYSICAL),
        (1501, "ZUB", "Mäuse", "Maus", (531, 507, 540), 8, 120, 0.05, 0.2, "84716070", _PHYSICAL),
        (1502, "ZUB", "Tastaturen", "Tastatur", (532, 531, 507), 15, 200, 0.4, 1.2, "84716060", _PHYSICAL),
        (1503, "ZUB", "Headsets", "Headset", (533, 531, 507), 20, 350, 0.1, 0.4, "85183000", _PHYSICAL),
        (1504, "ZUB", "Notebook-Taschen", "Notebooktasche", (501, 507, 534), 15, 150, 0.4, 1.5, "42021291", _PHYSICAL),
        (1505, "ZUB", "Dockingstations", "Dockingstation", (531, 537, 535), 90, 400, 0.3, 1.0, "84733080", _PHYSICAL),
        (1506, "ZUB", "Webcams", "Webcam", (536, 531, 507), 30, 250, 0.1, 0.3, "85258900", _PHYSICAL),
        (
            1601,
            "SOF",
            "Betriebssysteme",
            "Betriebssystem",
            (541, 542, 543),
            90,
            900,
            0,
            0,
            "85238090",
            ((1, "ESD"), (3, "License")),
        ),
        (1602, "SOF", "Sicherheitssoftware", "Security Suite", (541, 542, 543), 25, 2000, 0, 0, "85238090", _LICENSE),
        (
            1603,
            "SOF",
            "Garantieerweiterungen",
            "Care Pack",
            (544, 542, 543),
            40,
            900,
            0,
            0,
            "99999999",
            ((2, "Service"),),
        ),
    )
)
_MODEL_LETTERS = "ABCEGKLMSTVX"
_ACCESSORY_TYPES = ("Original accessory", "Compatible accessory")
_PACKING = {1305: 5, 1406: 5}  # patch cables and ink come in fives
_SERIES = ("Pro", "Elite", "Business", "Office", "Ultra", "Vision", "Expert", "Prime", "Smart", "Flex", "Max", "Core")
_SKU_STYLES = ("%s%sEA", "%s-%s", "%s%s#ABD", "%s.%s-G", "%s%sGE", "%s%s")
_COUNTRIES_OF_ORIGIN = ("CN", "CN", "CN", "TW", "MY", "VN", "DE", "US", "JP", "MX")
_END_CUSTOMERS = ("Stadtwerke Musterstadt GmbH", "Beispiel Versicherung AG", "Landkreis Musterland", "Demo Klinikum")
_LICENSEE_PARAMETER = {
    "displayName": "E-Mail-Adresse des Lizenznehmers",
    "orderParameterName": "licenseeEmail",
    "mandatory": True,
    "example": "it@example.com",
}

# Field order of the OpenAPI schemas, limited to the fields the sandbox fills: the CSV export's columns.
PRODUCT_FIELDS = (
    "puid", "ean", "manufacturerSKU", "icecatId", "cnetId", "customsTariffNumber", "manufacturerId",
    "manufacturerName", "productName", "shortDescription", "longDescription", "productTypeId", "productTypeGroupId",
    "productTypeGroupName", "productTypeName", "attributeTypeId1", "attributeTypeName1", "attributeTypeId2",
    "attributeTypeName2", "attributeTypeId3", "attributeTypeName3", "attributeValue1", "attributeValue2",
    "attributeValue3", "productModel", "estimateGrossWeight", "grossDimX", "grossDimY", "grossDimZ", "deeplink",
    "standardHtmlDatasheet", "standardPdfDatasheet", "imageThumb", "imageThumbWidth", "imageThumbHeight",
    "imageHighRes1", "imageWidth1", "imageHeight1", "image2", "imageWidth2", "imageHeight2", "entryDate", "rank",
    "recommendedRetailPriceNet", "price", "priceCalc", "currencyCode", "priceCalcVat", "priceLastUpdate",
    "priceSupplierId", "priceSupplierName", "priceSupplierItemId", "priceSupplierSKU", "stockSupplierText",
    "stockStatus", "stockStatusText", "stock", "externalStock", "incomingStock", "stockAvailabilityDate",
    "stockLastUpdate", "aggregatedStatus", "aggregatedStatusText", "aggregatedStock", "aggregatedSupplierItems",
    "contractTypeId", "contractTypeName", "priceBillingPeriod", "priceBillingPeriodUnit", "priceSubscriptionPeriod",
    "priceSubscriptionPeriodUnit",
)  # fmt: skip
SUPPLIER_ITEM_FIELDS = (
    "id", "ean", "manufacturerSKU", "supplierSKU", "supplierId", "supplierName", "manufacturerName", "productName",
    "conditionId", "conditionName", "eolProduct", "matchQuality", "eanValid", "specialOffer", "promotion", "vat",
    "customsTariffNumber", "countryOfOrigin", "price", "priceCalc", "currencyCode", "priceCalcVat", "priceLastUpdate",
    "stockSupplierText", "stockStatus", "stockStatusText", "stock", "externalStock", "incomingStock",
    "stockAvailabilityDate", "lastStockUpdate", "contractTypeId", "contractTypeName",
)  # fmt: skip
PROJECT_FIELDS = (
    "supplierProjectId", "manufacturerProjectId", "projectName", "endCustomer", "price", "validFrom", "validTo",
    "targetQuantity", "remainingQuantity", "minQuantity", "projectLastUpdate",
)  # fmt: skip
PACKAGING_FIELDS = (
    "contentUnit", "intervalQuantity", "minQuantity", "numberContentUnitPerOrderUnit", "orderUnit", "priceQuantity",
    "supplierPackingQuantity",
)  # fmt: skip
CONTRACT_PARAMETER_FIELDS = ("displayName", "orderParameterName", "mandatory", "example")
ATTRIBUTE_FIELDS = (
    "value", "displayValue", "attributeTypeId", "attributeTypeName", "attributeTypeRank", "attributeTypeGroupId",
    "attributeTypeGroupName",
)  # fmt: skip
ATTRIBUTE_CLUSTER_FIELDS = (
    "id", "productTypeId", "productTypeName", "attributeTypeName", "attributeTypeGroupName", "name", "rank",
)  # fmt: skip
ACCESSORY_FIELDS = ("referencedProductId", "typeId", "type")
DATE_FIELDS = frozenset(
    ("entryDate", "priceLastUpdate", "stockAvailabilityDate", "stockLastUpdate", "lastStockUpdate", "validFrom",
     "validTo", "projectLastUpdate")
)  # fmt: skip

# The standardUpdate view: the price and stock fields (digest §4.6), plus what keeps a supplierItem identifiable
# and valid (its required fields) and the project prices.
UPDATE_PRODUCT_FIELDS = ("puid",) + PRODUCT_FIELDS[
    PRODUCT_FIELDS.index("price") : PRODUCT_FIELDS.index("contractTypeId")
]
UPDATE_SUPPLIER_ITEM_FIELDS = (
    "id", "supplierSKU", "supplierId", "supplierName", "conditionId", "conditionName", "eolProduct", "matchQuality",
    "eanValid", "specialOffer", "price", "priceCalc", "currencyCode", "priceCalcVat", "priceLastUpdate",
    "stockSupplierText", "stockStatus", "stockStatusText", "stock", "externalStock", "incomingStock",
    "stockAvailabilityDate", "lastStockUpdate",
)  # fmt: skip

SEARCH_KEYS = (
    "keywords", "ean", "hstpid", "distpid", "manufacturer", "producttype", "distributor", "cluster", "cnetid",
)  # fmt: skip
NUMERIC_SEARCH_KEYS = frozenset(("manufacturer", "producttype", "distributor", "cluster"))


def catalogue_for(sandbox):
    """The sandbox's catalogue, built on first use; its timestamps count back from the current UTC midnight."""
    catalogue = sandbox.state.get("catalogue")
    if catalogue is None:
        now = int(sandbox.clock.now().timestamp())
        catalogue = sandbox.state.setdefault(
            "catalogue",
            Catalogue(
                sandbox.config.seed,
                sandbox.config.products,
                now - now % _DAY,
                media_base=sandbox.config.public_url + "/_sandbox/media" if sandbox.config.public_url else MEDIA_BASE,
            ),
        )
    return catalogue


def update_view(product):
    """The ``standardUpdate`` shape of a ``standard`` product: price and stock fields only."""
    shaped = {key: product[key] for key in UPDATE_PRODUCT_FIELDS if key in product}
    shaped["supplierItem"] = [
        {key: item[key] for key in UPDATE_SUPPLIER_ITEM_FIELDS + ("project",) if key in item}
        for item in product["supplierItem"]
    ]
    return shaped


def ean_check_digit(digits):
    """The GS1 check digit of the 12 (EAN-13) or 7 (EAN-8) digits before it: weights 3, 1, 3, … from the right."""
    return str(-(3 * sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2]))) % 10)


class Catalogue:
    """One sandbox's distributors, manufacturers, product types and products (see the module docstring)."""

    def __init__(self, seed, size, anchor, media_base=MEDIA_BASE):
        """``anchor``: epoch seconds every generated timestamp counts from (the sandbox's UTC midnight);
        ``media_base``: where image URLs point (a running sandbox serves them itself, so nothing leaves the machine)."""
        self.seed = seed
        self.media_base = media_base
        self.size = min(size, MAX_PRODUCTS)
        self.plz_size = self.size // PLZ_SHARE
        self.anchor = anchor
        self._ticks = []
        self.distributors = [_distributor_company(d) for d in _DISTRIBUTORS]
        self.manufacturers = [_manufacturer_company(m) for m in _MANUFACTURERS]
        self.product_types = [_product_type(t) for t in _PRODUCT_TYPES]
        self._distributor_by_id = {c["supplier"]["id"]: c for c in self.distributors}
        self._sku_prefixes = {d.id: d.sku_prefix for d in _DISTRIBUTORS}
        self._searches = {}

    # ------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------

    @property
    def generation(self):
        return len(self._ticks)

    def tick(self, at):
        """Move prices and stock one generation on, stamping the changed offers with ``at`` (aware datetime)."""
        self._ticks.append(int(at.timestamp()))
        return self.generation

    def distributor(self, distributor_id):
        return self._distributor_by_id.get(distributor_id)

    @property
    def partnered_ids(self):
        """Ids of the distributors the sandbox account is a customer of (ITscope's "partners")."""
        return frozenset(d.id for d in _DISTRIBUTORS if d.customer_number)

    def product(self, puid):
        key = _key_of_puid(puid)
        if key is None or not self._exists(key, plz=True):
            return None
        return self._build(key, tuple(self._ticks))

    def products(self, start=0, stop=None):
        """Products ``start``..``stop`` - 1 in puid order at the current generation (a generator). Numbers past
        ``size`` (up to ``MAX_PRODUCTS``) are generated alike: exports use them to reach any size."""
        ticks = tuple(self._ticks)
        stop = self.size if stop is None else min(stop, MAX_PRODUCTS)
        return (self._build(2 * index, ticks) for index in range(start, stop))

    def offer(self, distributor_id, supplier_sku):
        prefix = self._sku_prefixes.get(distributor_id)
        key = prefix and _key_of_sku(supplier_sku, prefix)
        if key is None or not self._exists(key, plz=True):
            return None
        product = self._build(key, tuple(self._ticks))
        for item in product["supplierItem"]:
            if item["supplierId"] == distributor_id and item["supplierSKU"] == supplier_sku:
                return product, item
        return None

    def search(self, criteria, sort="DEFAULT", plz=False):
        """The puids (a tuple) of the products matching every criterion (any of its values), in ``sort`` order.

        ``criteria`` maps a ``SEARCH_KEYS`` key to a set of values: ints for ``NUMERIC_SEARCH_KEYS``, lower-case
        strings otherwise (a ``keywords`` value matches when each of its words is in the product's name, manufacturer,
        SKU or EAN). ``sort`` is a key of ``SORTS``; ``plz`` includes the price-list-line products. Results are kept
        per generation: paging through a search must not generate the catalogue again for every page.
        """
        ticks = tuple(self._ticks)
        memo = (tuple(sorted((key, tuple(sorted(values))) for key, values in criteria.items())), sort, plz, len(ticks))
        puids = self._searches.get(memo)
        if puids is None:
            sort_key, descending = SORTS[sort]
            hits = []
            for key in self._candidates(criteria, plz):
                product = self._build(key, ticks)
                if all(_MATCHERS[name](product, values) for name, values in criteria.items()):
                    hits.append((sort_key(product), product["puid"]))
            hits.sort(key=lambda hit: hit[0], reverse=descending)
            puids = tuple(puid for _sort, puid in hits)
            if len(self._searches) >= _SEARCHES_KEPT:
                self._searches.clear()
            self._searches[memo] = puids
        return puids

    def _candidates(self, criteria, plz):
        """Product keys worth generating: the ones an EAN or distributor SKU names, else all of them."""
        if "ean" in criteria:
            keys = {_key_of_ean(ean) for ean in criteria["ean"]}
        elif "distpid" in criteria:
            keys = {_key_of_sku(sku, prefix) for sku in criteria["distpid"] for prefix in self._sku_prefixes.values()}
        else:
            return (
                key
                for index in range(self.size)
                for key in ((2 * index, 2 * index + 1) if plz and index < self.plz_size else (2 * index,))
            )
        return sorted(key for key in keys - {None} if self._exists(key, plz))

    def _exists(self, key, plz):
        index, is_plz = divmod(key, 2)
        return (plz and index < self.plz_size) if is_plz else index < self.size

    # ------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------

    def _build(self, key, ticks):
        """Product ``key`` (2 * number + is_plz) at the generation ``len(ticks)``: a whole OpenAPI ``product``."""
        index, is_plz = divmod(key, 2)
        r = random.Random((self.seed << 32) ^ key).random
        ptype = _PRODUCT_TYPES[int(r() * len(_PRODUCT_TYPES))]
        maker = ptype.makers[int(r() * len(ptype.makers))]
        picks = [int(r() * len(attribute.values)) for attribute in ptype.attributes]
        values = [attribute.values[pick] for attribute, pick in zip(ptype.attributes, picks, strict=False)]
        displays = [value[1] for value in values]
        puid = PUID_BASE + index * 1000 + (PLZ_SUFFIX if is_plz else 0)
        sku = _SKU_STYLES[maker.id % len(_SKU_STYLES)] % (maker.short[:2].upper(), _base36(key))
        model = "%s %s%d" % (_SERIES[int(r() * len(_SERIES))], _MODEL_LETTERS[int(r() * 12)], 100 + int(r() * 900))
        contract = ptype.contracts[int(r() * len(ptype.contracts))] if ptype.contracts else None
        base_price = ptype.price_low * (ptype.price_high / ptype.price_low) ** r()
        token = "%012x" % (((self.seed * 1_000_003 + key) * 0x9E3779B1) & 0xFFFFFFFFFFFF)

        product = {"puid": puid, "ean": _ean(maker.gs1, key), "manufacturerSKU": sku}
        if not is_plz and r() < 0.8:
            product["icecatId"] = str(30_000_000 + key)
        if not is_plz and r() < 0.7:
            product["cnetId"] = "S%08d" % ((key * 7919 + 104_729) % 10**8)
        product["customsTariffNumber"] = ptype.tariff
        product["manufacturerId"] = maker.id
        product["manufacturerName"] = maker.name
        product["productName"] = "%s %s %s, %s" % (maker.short, model, ptype.singular, ", ".join(displays))
        product["shortDescription"] = "%s %s, %s" % (maker.short, ptype.singular, displays[0])
        product["longDescription"] = "%s %s %s. %s. Hersteller-Artikelnummer %s, %d Jahre Herstellergarantie." % (
            maker.name,
            ptype.singular,
            model,
            "; ".join(
                "%s: %s" % (attribute.name, display)
                for attribute, display in zip(ptype.attributes, displays, strict=False)
            ),
            sku,
            1 + int(r() * 3),
        )
        product.update(ptype.fields)
        product["attributeValue1"], product["attributeValue2"], product["attributeValue3"] = displays
        product["productModel"] = model
        if ptype.weight_high:
            weight = ptype.weight_low + (ptype.weight_high - ptype.weight_low) * r()
            side = 10 + weight ** (1 / 3) * 20
            product["estimateGrossWeight"] = round(weight, 2)
            product["grossDimX"] = "%.1f cm" % (side * 1.4)
            product["grossDimY"] = "%.1f cm" % (side * 0.4)
            product["grossDimZ"] = "%.1f cm" % side
        product["deeplink"] = "https://www.itscope.com/red/app#products/id/%d" % puid
        product["standardHtmlDatasheet"] = "https://datasheet.itscope.com/2.1/t/" + token
        if not is_plz:
            product["standardPdfDatasheet"] = "https://datasheet.itscope.com/2.1/t/%s.pdf" % token
            if contract is None and r() < 0.85:  # the others have no images: ITscope's export lock on media
                media = "%s/%d/%s" % (self.media_base, puid, token)
                product["imageThumb"] = media + "-thumb.png"
                product["imageThumbWidth"], product["imageThumbHeight"] = 120, 90
                product["imageHighRes1"] = media + "-1.png"
                product["imageWidth1"], product["imageHeight1"] = 1200, 900
                if r() < 0.5:
                    product["image2"] = media + "-2.png"
                    product["imageWidth2"], product["imageHeight2"] = 1200, 900
        product["entryDate"] = _iso(self.anchor - (30 + int(r() * 2000)) * _DAY)
        product["rank"] = 1 + int(r() * 100_000)
        product["recommendedRetailPriceNet"] = round(base_price * 1.19, 2)

        offers = self._offers(r, key, ticks, base_price, product, maker, ptype, contract)
        best = min(offers, key=lambda item: (item["stockStatus"] != 1, item["price"]))  # cheapest in stock
        for product_field, item_field in _BEST_OFFER_FIELDS:
            if item_field in best:
                product[product_field] = best[item_field]
        status = min((item["stockStatus"] for item in offers), key=AVAILABILITY_RANK.__getitem__)
        product["aggregatedStatus"] = status
        product["aggregatedStatusText"] = STOCK_STATUS_TEXTS[status]
        product["aggregatedStock"] = sum(item["stock"] for item in offers)
        product["aggregatedSupplierItems"] = len(offers)
        if contract:
            product["contractTypeId"], product["contractTypeName"] = contract
            if contract[0] != 1:  # licences and services run for a term (the software types' 2nd attribute)
                product["priceBillingPeriod"], product["priceBillingPeriodUnit"] = 1, "Years"
                product["priceSubscriptionPeriod"], product["priceSubscriptionPeriodUnit"] = int(values[1][0]), "Years"
        product["supplierItem"] = offers
        if is_plz:  # a price-list line: nothing of ITscope's own content beyond the supplier's data
            return product
        product["attribute"] = [
            {
                "value": value,
                "displayValue": display,
                "attributeTypeId": attribute.id,
                "attributeTypeName": attribute.name,
                "attributeTypeRank": rank,
                "attributeTypeGroupId": attribute.group_id,
                "attributeTypeGroupName": attribute.group_name,
            }
            for rank, (attribute, (value, display)) in enumerate(zip(ptype.attributes, values, strict=False), start=1)
        ]
        product["attributeCluster"] = [
            {
                "id": ptype.id * 1000 + rank * 100 + pick,
                "productTypeId": ptype.id,
                "productTypeName": ptype.name,
                "attributeTypeName": attribute.name,
                "attributeTypeGroupName": attribute.group_name,
                "name": display,
                "rank": rank,
            }
            for rank, (attribute, display, pick) in enumerate(
                zip(ptype.attributes, displays, picks, strict=False), start=1
            )
        ]
        if index and r() < 0.3:  # accessories are earlier products: they exist in every catalogue this one does
            product["accessory"] = [
                {
                    "referencedProductId": PUID_BASE + ref * 1000,
                    "typeId": 1 + ref % 2,
                    "type": _ACCESSORY_TYPES[ref % 2],
                }
                for ref in sorted({int(r() * index) for _ in range(1 + int(r() * 3))})
            ]
        return product

    def _offers(self, r, key, ticks, base_price, product, maker, ptype, contract):
        """The product's supplierItems at the generation ``len(ticks)``: 1-4 distinct distributors, one for a
        price-list line."""
        index, is_plz = divmod(key, 2)
        count = 1 if is_plz else _OFFER_COUNTS[int(r() * len(_OFFER_COUNTS))]
        positions = list(range(len(_DISTRIBUTORS)))
        for slot in range(count):  # a partial Fisher-Yates shuffle draws distinct distributors
            pick = slot + int(r() * (len(positions) - slot))
            positions[slot], positions[pick] = positions[pick], positions[slot]
        number = "P%06d" % index if is_plz else "%07d" % index
        offers = []
        for position in positions[:count]:
            distributor = _DISTRIBUTORS[position]
            condition = _CONDITION_DRAW[int(r() * len(_CONDITION_DRAW))]
            state, multiplier = int(r() * len(_STOCK_STATES)), 1 + int(r() * 4)
            phase, parity, step = 1 + int(r() * 10), int(r() * 2), int(r() * len(_PRICE_STEPS))
            price = base_price * (0.93 + r() * 0.14) * (1 if condition == 1 else 0.8)
            price_time = self.anchor - int(r() * 1.5 * _DAY)
            stock_time = self.anchor - int(r() * 1.5 * _DAY)
            ean_flavour = r()

            # This offer changes in generations phase, phase + 10, ...: alternately price and stock (module docstring).
            changes = 0 if len(ticks) < phase else (len(ticks) - phase) // 10 + 1
            price_changes = (changes + 1 - parity) // 2
            stock_changes = changes - price_changes
            if price_changes:
                price *= _PRICE_STEPS[(step + price_changes) % len(_PRICE_STEPS)]
                price_time = ticks[phase + 10 * (2 * price_changes - 2 + parity) - 1]
            if stock_changes:
                stock_time = ticks[phase + 10 * (2 * stock_changes - 1 - parity) - 1]
            status, quantity = _STOCK_STATES[(state + stock_changes) % len(_STOCK_STATES)]
            quantity *= multiplier
            price = round(price, 2)

            item = {"id": OFFER_ID_BASE + key * 8 + position}
            if ean_flavour < 0.92:
                item["ean"] = product["ean"]
            elif ean_flavour < 0.96:  # the supplier's typo: the check digit no longer fits
                item["ean"] = product["ean"][:-1] + str((int(product["ean"][-1]) + 1) % 10)
            item["manufacturerSKU"] = product["manufacturerSKU"]
            item["supplierSKU"] = distributor.sku_prefix + number
            item["supplierId"] = distributor.id
            item["supplierName"] = distributor.name
            item["manufacturerName"] = maker.short.upper()
            item["productName"] = product["productName"]
            item["conditionId"] = condition
            item["conditionName"] = CONDITION_NAMES[condition]
            item["eolProduct"] = r() < 0.03
            item["matchQuality"] = 0 if is_plz else 1 + int(r() * r() * 3)
            item["eanValid"] = ean_flavour < 0.92
            item["specialOffer"] = r() < 0.05
            if item["specialOffer"]:
                item["promotion"] = "Aktion KW%02d" % (1 + int(r() * 52))
            item["vat"] = VAT
            item["customsTariffNumber"] = ptype.tariff
            item["countryOfOrigin"] = _COUNTRIES_OF_ORIGIN[int(r() * len(_COUNTRIES_OF_ORIGIN))]
            item["price"] = price
            item["priceCalc"] = round(price * PRICE_CALC_MARKUP, 2)
            item["currencyCode"] = CURRENCY
            item["priceCalcVat"] = VAT
            item["priceLastUpdate"] = _iso(price_time)
            item["stockSupplierText"] = _SUPPLIER_STOCK_TEXTS[status].replace("%d", str(quantity))
            item["stockStatus"] = status
            item["stockStatusText"] = STOCK_STATUS_TEXTS[status]
            item["stock"] = quantity if status in (1, 3) else 0
            if status == 3:
                item["externalStock"] = quantity
            elif status == 2:
                item["incomingStock"] = quantity
                item["stockAvailabilityDate"] = _iso(stock_time - stock_time % _DAY + (3 + state * 4) * _DAY)
            item["lastStockUpdate"] = _iso(stock_time)
            if contract:
                item["contractTypeId"], item["contractTypeName"] = contract
                if contract[0] != 2:  # licences and ESD keys name their licensee
                    item["contractParameter"] = [dict(_LICENSEE_PARAMETER)]
            if condition == 1 and r() < 0.05:
                item["project"] = [self._project(r, key, distributor, maker, price)]
            packing = _PACKING.get(ptype.id, 1)
            if packing > 1 or r() < 0.25:  # packaging data exists only where the supplier sends it
                item["supplierPackagingInfo"] = {
                    "contentUnit": "C62",
                    "intervalQuantity": packing,
                    "minQuantity": packing,
                    "numberContentUnitPerOrderUnit": 1,
                    "orderUnit": "C62",
                    "priceQuantity": 1,
                    "supplierPackingQuantity": packing,
                }
            offers.append(item)
        return offers

    def _project(self, r, key, distributor, maker, price):
        """A project (special-bid) price for an offer: what an ORDER line's AGREEMENT_ID refers to."""
        end_customer = _END_CUSTOMERS[key % len(_END_CUSTOMERS)]
        return {
            "supplierProjectId": "SP-%d-%d" % (distributor.id % 1000, key),
            "manufacturerProjectId": "%s-PRJ-%06d" % (maker.short[:3].upper(), key % 1_000_000),
            "projectName": "Rollout " + end_customer,
            "endCustomer": end_customer,
            "price": round(price * 0.85, 2),
            "validFrom": _iso(self.anchor - 30 * _DAY),
            "validTo": _iso(self.anchor + 90 * _DAY),
            "targetQuantity": 50,
            "remainingQuantity": 5 + int(r() * 45),
            "minQuantity": 1,
            "projectLastUpdate": _iso(self.anchor - 2 * _DAY),
        }


# ---------------------------------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------------------------------


def _keyword_match(product, values):
    text = " ".join(
        (product["productName"], product["manufacturerName"], product["manufacturerSKU"], product.get("ean", ""))
    ).lower()
    return any(all(word in text for word in value.split()) for value in values)


_MATCHERS = {
    "keywords": _keyword_match,
    "ean": lambda product, values: product["ean"] in values,
    "hstpid": lambda product, values: product["manufacturerSKU"].lower() in values,
    "distpid": lambda product, values: any(i["supplierSKU"].lower() in values for i in product["supplierItem"]),
    "manufacturer": lambda product, values: product["manufacturerId"] in values,
    "producttype": lambda product, values: product["productTypeId"] in values,
    "distributor": lambda product, values: any(i["supplierId"] in values for i in product["supplierItem"]),
    "cluster": lambda product, values: any(c["id"] in values for c in product.get("attributeCluster", ())),
    "cnetid": lambda product, values: product.get("cnetId", "").lower() in values,
}

# sort value -> (key of a product, descending); equal keys keep puid order. The rank-based ones stand in for
# ITscope's relevance and popularity sorts.
SORTS = {
    "DEFAULT": (lambda product: 0, False),
    "EXACT": (lambda product: 0, False),
    "PRICE_ASC": (lambda product: product["price"], False),
    "PRICE_DESC": (lambda product: product["price"], True),
    "STOCK": (lambda product: product["aggregatedStock"], True),
    "SOURCES_COUNT": (lambda product: product["aggregatedSupplierItems"], True),
    "MANUFACTURER_SKU": (lambda product: product["manufacturerSKU"], False),
    "NAME_ASC": (lambda product: product["productName"].lower(), False),
    "NAME_DESC": (lambda product: product["productName"].lower(), True),
    "QUAL": (lambda product: product["rank"], False),
    "TOPSELLER": (lambda product: product["rank"], False),
    "IRANK": (lambda product: product["rank"], False),
}


# ---------------------------------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------------------------------


def _iso(timestamp):
    """ITscope's date-time: ISO 8601 in UTC. The date part is cached: formatting is a fair share of generation time."""
    day, seconds = divmod(timestamp, _DAY)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * _DAY))
    return "%s%02d:%02d:%02dZ" % (date, seconds // 3600, seconds // 60 % 60, seconds % 60)


_DATES = {}


def _ean(gs1_prefix, key):
    body = "%s%09d" % (gs1_prefix, (key * _EAN_FACTOR + _EAN_OFFSET) % _EAN_MODULUS)
    return body + ean_check_digit(body)


def _key_of_ean(ean):
    """The product key an EAN-13 (or a 12-digit UPC) encodes, or None."""
    ean = ean.zfill(13) if len(ean) == 12 else ean
    if len(ean) != 13 or not ean.isdigit() or ean_check_digit(ean[:12]) != ean[12]:
        return None
    return (int(ean[3:12]) - _EAN_OFFSET) * pow(_EAN_FACTOR, -1, _EAN_MODULUS) % _EAN_MODULUS


def _key_of_puid(puid):
    index, suffix = divmod(puid - PUID_BASE, 1000)
    if index < 0 or suffix not in (0, PLZ_SUFFIX):
        return None
    return 2 * index + (suffix == PLZ_SUFFIX)


def _key_of_sku(sku, prefix):
    """The product key a distributor SKU (prefix + 7-digit number, or prefix + P + 6-digit number) names, or None."""
    sku = sku.upper()
    if not sku.startswith(prefix):
        return None
    number = sku[len(prefix) :]
    is_plz = number.startswith("P")
    digits = number[1:] if is_plz else number
    if not digits.isdigit() or len(digits) != (6 if is_plz else 7):
        return None
    return 2 * int(digits) + is_plz


def _base36(key):
    """A 5-character code unique per product key: its manufacturer SKU's core."""
    number = (key * _SKU_FACTOR + _SKU_OFFSET) % _SKU_MODULUS
    code = ""
    for _ in range(5):
        number, digit = divmod(number, 36)
        code = _BASE36[digit] + code
    return code


# ---------------------------------------------------------------------------------------------------------------------
# Reference data in the OpenAPI shapes
# ---------------------------------------------------------------------------------------------------------------------


def _distributor_company(distributor):
    supplier = {
        "id": distributor.id,
        "name": distributor.name,
        "deeplink": "https://www.itscope.com/red/app#company/%d" % distributor.id,
    }
    if distributor.customer_number:
        supplier["customerAccountNumber"] = distributor.customer_number
        supplier["orderAccountNumber"] = distributor.order_number or distributor.customer_number
    if distributor.weee:
        supplier["weeeRegNo"] = distributor.weee
    return {
        "name": distributor.name,
        "street": distributor.street,
        "zip": distributor.zip,
        "city": distributor.city,
        "country": "DEU",
        "supplier": supplier,
    }


def _manufacturer_company(maker):
    return {
        "name": maker.name,
        "city": maker.city,
        "country": maker.country,
        "manufacturer": {
            "id": maker.id,
            "name": maker.name,
            "shortName": maker.short,
            "deeplink": "https://www.itscope.com/red/app#company/%d" % maker.id,
        },
    }


def _product_type(ptype):
    product_type = {
        "id": ptype.id,
        "productTypeGroup": {"id": ptype.group, "name": _GROUPS[ptype.group]},
        "name": ptype.name,
    }
    for number, attribute in enumerate(ptype.attributes, start=1):
        product_type["attributeTypeId%d" % number] = attribute.id
        product_type["attributeTypeName%d" % number] = attribute.name
    return product_type
