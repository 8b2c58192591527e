"""Word lists for generated organisations: invented names only."""

from __future__ import annotations

FIRST_NAMES = (
    "Aisha Alex Amelia Arjun Ben Chloe Daniel Eleanor Ethan Fatima Finn Grace Hannah Harry "
    "Isla Jack James Jasmine Joe Katie Leo Lily Lucas Maya Mia Mohammed Noah Olivia Oscar "
    "Priya Rachel Rory Ruby Sam Sarah Sofia Theo Tom Zara Ewan Niamh Callum Freya Hamish"
).split()
LAST_NAMES = (
    "Adams Ahmed Baker Bennett Brown Campbell Carter Clarke Davies Edwards Evans Fraser "
    "Green Hall Harris Hughes Jackson Jones Kaur Khan Lewis Martin Mitchell Morgan Murray "
    "Patel Phillips Price Roberts Robinson Scott Shah Singh Smith Taylor Thomas Turner "
    "Walker Ward Watson White Williams Wilson Wood Wright Young"
).split()
NAME_PARTS = (
    "Acorn Albion Amber Anchor Apex Arden Ashford Aspen Atlas Avon Beacon Birch Bramble "
    "Bridge Brook Cairn Castle Cedar Chalk Clover Coast Copper Crown Dale Delta Elm Ember "
    "Falcon Fern Forge Fox Glen Granite Harbour Hawk Heath Holly Iron Ivy Juniper Kestrel "
    "Lark Linden Maple Meadow Mill North Oak Orchard Otter Pine Quarry Raven Ridge River "
    "Rowan Saffron Salt Silver Slate Sparrow Spruce Star Stone Swan Thistle Tide Vale "
    "Willow Wren Yew"
).split()
TRADES = (
    "Bakery Builders Catering Cleaning Clinic Coffee Consulting Creative Dental Design "
    "Digital Electrical Engineering Events Fabrication Farm Fitness Florists Foods "
    "Furniture Gardens Glass Hardware Health Interiors Joinery Labs Landscapes Legal "
    "Logistics Marine Media Motors Optics Outfitters Packaging Plumbing Print Property "
    "Roofing Software Studios Supplies Systems Textiles Timber Tools Trading Travel Ventures"
).split()
SUFFIXES = ("Ltd", "Limited", "LLP", "& Co", "Group", "Partners", "UK", "Ltd", "Ltd", "")
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Lane",
    "Victoria Road",
    "Park Avenue",
    "Queen Street",
    "King Street",
    "Market Place",
    "London Road",
    "Bridge Street",
    "Castle Hill",
    "Harbour Way",
    "Orchard Close",
)
# (city, region, postcode area, country) by currency
PLACES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "GBP": (
        ("London", "Greater London", "EC1A", "United Kingdom"),
        ("Manchester", "Greater Manchester", "M1", "United Kingdom"),
        ("Leeds", "West Yorkshire", "LS1", "United Kingdom"),
        ("Bristol", "Bristol", "BS1", "United Kingdom"),
        ("Edinburgh", "Midlothian", "EH1", "United Kingdom"),
        ("Cardiff", "South Glamorgan", "CF10", "United Kingdom"),
        ("Norwich", "Norfolk", "NR1", "United Kingdom"),
        ("Belfast", "Antrim", "BT1", "United Kingdom"),
    ),
    "EUR": (
        ("Dublin", "Leinster", "D02", "Ireland"),
        ("Lyon", "Auvergne-Rhone-Alpes", "69001", "France"),
        ("Rotterdam", "South Holland", "3011", "Netherlands"),
        ("Hamburg", "Hamburg", "20095", "Germany"),
    ),
    "USD": (
        ("Boston", "MA", "02108", "United States"),
        ("Austin", "TX", "73301", "United States"),
        ("Portland", "OR", "97201", "United States"),
    ),
    "AUD": (("Melbourne", "VIC", "3000", "Australia"), ("Brisbane", "QLD", "4000", "Australia")),
    "NZD": (("Wellington", "Wellington", "6011", "New Zealand"),),
}
COUNTRY_CODES = {"GBP": "44", "EUR": "353", "USD": "1", "AUD": "61", "NZD": "64"}
PRODUCTS = (
    "Widget",
    "Bracket",
    "Cable",
    "Valve",
    "Panel",
    "Hinge",
    "Filter",
    "Sensor",
    "Bearing",
    "Gasket",
    "Lamp",
    "Pump",
    "Switch",
    "Fitting",
    "Clamp",
    "Board",
    "Tile",
    "Spring",
    "Motor",
    "Adaptor",
)
MATERIALS = ("Steel", "Brass", "Oak", "Copper", "Nylon", "Glass", "Ceramic", "Aluminium", "Cedar")
SIZES = ("Small", "Medium", "Large", "XL", "Mini", "Pro", "Standard", "Heavy Duty")
SERVICES = (
    ("Consultancy - hourly", "200", 85),
    ("Installation", "200", 120),
    ("Delivery charge", "260", 15),
    ("Annual support contract", "200", 450),
    ("Training session", "200", 300),
    ("Site survey", "200", 175),
    ("Design work", "200", 95),
)
EXPENSES = (
    ("Courier charges", "425", 18),
    ("Office supplies", "453", 42),
    ("Equipment hire", "473", 160),
    ("Freight inward", "425", 95),
    ("Subcontractor services", "310", 400),
)
NOTES = (
    "Please leave at reception",
    "Deliver to loading bay 2",
    "Call before delivery",
    "Fragile - handle with care",
    "Weekday mornings only",
)
