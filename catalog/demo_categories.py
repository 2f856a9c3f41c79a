"""The demo catalog's categories: what each sells, made of what, at what price.

Every feature a product gets is declared where it fits: by its noun (a kettle's
capacity), by its category when it fits every noun there (a lamp's colour
temperature), or in COMMON_FEATURES when it fits any product. Materials belong
to the noun, so names like "Walnut Cutting Board" make sense, and so does each
product's picture: its noun's drawing (catalog/product_images.py), in its colour.
"""

from dataclasses import dataclass, field

from django.utils.text import slugify

# Colour names products get, and the colour their picture is drawn in.
COLOURS = {
    "Black": "#2f3136", "White": "#f4f2ec", "Slate grey": "#66707a",
    "Forest green": "#2f6b45", "Navy": "#243b63", "Sand": "#d8c39a",
    "Terracotta": "#c4663f", "Sage": "#9db38f", "Red": "#c23b32",
    "Orange": "#e07a1f", "Yellow": "#e8b923", "Mustard": "#c9971c",
}  # fmt: skip

# Features that fit any product, offered after the noun's and the category's own.
COMMON_FEATURES = {
    "Warranty": ["1 year", "2 years", "3 years", "5 years"],
    "Country of origin": ["Portugal", "Germany", "Japan", "Canada", "Vietnam", "Italy", "India"],
    "Packaging": ["Recycled cardboard", "Plastic-free", "Gift box"],
}


# eq=False: hashed by identity (their dicts are not hashable), for functools.cache.
@dataclass(frozen=True, eq=False)
class Noun:
    """One kind of product: its materials, price range (dollars) and weight range (grams)."""

    name: str
    materials: tuple[str, ...]
    price: tuple[int, int]
    grams: tuple[int, int]
    features: dict[str, list[str]] = field(default_factory=dict)

    @property
    def picture(self) -> str:
        """The name of this noun's drawing in catalog/product_images.py: "chefs-knife"."""
        return slugify(self.name)


@dataclass(frozen=True, eq=False)
class CategorySpec:
    name: str
    description: str
    colours: tuple[str, ...]  # names from COLOURS
    adjectives: tuple[str, ...]  # fit every noun of the category
    sentences: tuple[str, ...]  # description sentences that fit every noun
    nouns: tuple[Noun, ...]
    features: dict[str, list[str]] = field(default_factory=dict)  # fit every noun

    @property
    def slug(self) -> str:
        return slugify(self.name)


YES_NO = ["Yes", "No"]
N = Noun  # short rows below

CATEGORIES = [
    CategorySpec(
        "Kitchen", "Cookware, knives and the small appliances a kitchen runs on.",
        ("Black", "White", "Slate grey", "Sage", "Red"),
        ("Classic", "Everyday", "Compact", "Pro", "Essential", "Heritage"),
        ("Easy to clean and made to last.", "Chosen by cooks who use it every day."),
        (
            N("Kettle", ("Steel", "Copper", "Enamel"), (25, 140), (900, 1600),
              {"Capacity": ["1 l", "1.5 l", "1.7 l"], "Induction ready": YES_NO}),
            N("Chef's Knife", ("Steel", "Carbon Steel", "Damascus"), (18, 260), (150, 280),
              {"Blade length": ["15 cm", "20 cm", "24 cm"], "Care": ["Hand wash only"]}),
            N("Skillet", ("Cast Iron", "Carbon Steel", "Steel"), (20, 180), (1200, 2800),
              {"Diameter": ["20 cm", "26 cm", "30 cm"], "Induction ready": YES_NO}),
            N("Dutch Oven", ("Cast Iron", "Enamel"), (45, 320), (3500, 6000),
              {"Capacity": ["3 l", "4.5 l", "6 l"], "Oven safe to": ["230 °C", "260 °C"]}),
            N("Cutting Board", ("Walnut", "Oak", "Bamboo", "Maple"), (14, 120), (600, 2500),
              {"Size": ["30 x 20 cm", "40 x 28 cm", "50 x 35 cm"], "Care": ["Oil monthly"]}),
            N("Coffee Grinder", ("Steel", "Ceramic", "Aluminium"), (22, 280), (400, 1800),
              {"Burr": ["Conical", "Flat"], "Grind settings": ["15", "30", "40"]}),
        ),
        {"Food safe": ["Yes"]},
    ),
    CategorySpec(
        "Audio", "Headphones, speakers and everything between the music and your ears.",
        ("Black", "White", "Slate grey", "Navy", "Sand"),
        ("Studio", "Compact", "Classic", "Pro", "Reference", "Everyday"),
        ("Tuned for detail at any volume.", "Sounds as good in the evening as in the morning."),
        (
            N("Headphones", ("Aluminium", "Leather", "Fabric"), (40, 450), (180, 380),
              {"Battery life": ["20 h", "30 h", "40 h"], "Noise cancelling": YES_NO}),
            N("Earbuds", ("Aluminium", "Ceramic"), (25, 280), (40, 70),
              {"Battery life": ["6 h", "8 h", "10 h"], "Noise cancelling": YES_NO}),
            N("Bookshelf Speaker", ("Walnut", "Oak", "Fabric"), (90, 900), (3000, 8000),
              {"Drivers": ["2-way", "3-way"], "Power": ["Passive", "50 W", "100 W"]}),
            N("Turntable", ("Walnut", "Aluminium", "Acrylic"), (120, 900), (4000, 9000),
              {"Drive": ["Belt", "Direct"], "Speeds": ["33 and 45 rpm", "33, 45 and 78 rpm"]}),
            N("Soundbar", ("Fabric", "Aluminium"), (120, 700), (2500, 6000),
              {"Channels": ["2.0", "3.1", "5.1"], "Power": ["80 W", "150 W", "300 W"]}),
        ),
        {"Connection": ["Bluetooth 5.3", "Wired", "Wi-Fi and Bluetooth"]},
    ),
    CategorySpec(
        "Outdoor", "Tents, packs and layers for a weekend away from the road.",
        ("Forest green", "Sand", "Navy", "Orange", "Slate grey"),
        ("Trail", "Alpine", "Ultralight", "Rugged", "Weekend", "Summit"),
        ("Tested on three seasons of weekends.", "Packs small and weighs little."),
        (
            N("Tent", ("Nylon", "Ripstop", "Polyester"), (90, 650), (1100, 4500),
              {"Sleeps": ["1", "2", "3", "4"], "Season": ["3-season", "4-season"]}),
            N("Backpack", ("Nylon", "Ripstop", "Canvas"), (40, 320), (700, 2200),
              {"Volume": ["20 l", "35 l", "50 l", "65 l"]}),
            N("Sleeping Bag", ("Down", "Synthetic"), (60, 480), (700, 2000),
              {"Comfort rating": ["+5 °C", "0 °C", "-7 °C", "-15 °C"]}),
            N("Rain Jacket", ("Nylon", "Ripstop", "Polyester"), (60, 420), (250, 600),
              {"Waterproof rating": ["10,000 mm", "20,000 mm"], "Size": ["S", "M", "L", "XL"]}),
            N("Headlamp", ("Aluminium", "Polycarbonate"), (15, 120), (60, 200),
              {"Brightness": ["200 lm", "450 lm", "900 lm"], "Battery": ["AAA", "USB-C"]}),
            N("Camp Stove", ("Titanium", "Steel", "Aluminium"), (25, 180), (80, 900),
              {"Fuel": ["Gas canister", "Multi-fuel", "Alcohol"]}),
        ),
        {"Best for": ["Day hikes", "Backpacking", "Car camping", "Festivals"]},
    ),
    CategorySpec(
        "Office", "Desks, chairs and the small things that make a workday smoother.",
        ("Black", "White", "Slate grey", "Navy", "Terracotta"),
        ("Everyday", "Minimal", "Studio", "Compact", "Classic", "Desk"),
        ("Keeps a desk tidy without trying.", "Made for long working days."),
        (
            N("Desk Lamp", ("Steel", "Aluminium", "Brass"), (30, 260), (900, 2500),
              {"Adjustable": ["Arm and head", "Head only"], "Dimmable": YES_NO}),
            N("Notebook", ("Paper", "Leather", "Linen"), (6, 38), (150, 450),
              {"Pages": ["96", "192", "240"], "Ruling": ["Dotted", "Lined", "Plain", "Squared"]}),
            N("Monitor Stand", ("Oak", "Bamboo", "Steel", "Walnut"), (25, 160), (1500, 4500),
              {"Width": ["40 cm", "55 cm", "70 cm"]}),
            N("Desk Chair", ("Mesh", "Leather", "Fabric"), (150, 900), (12000, 22000),
              {"Adjustable": ["Height", "Height and tilt"], "Assembly": ["Tools included"]}),
            N("Pen Set", ("Brass", "Steel", "Aluminium"), (12, 140), (40, 180),
              {"Pieces": ["2", "3", "5"], "Ink": ["Black", "Blue", "Black and blue"]}),
            N("Desk Organizer", ("Oak", "Bamboo", "Leather", "Felt"), (14, 90), (300, 1500),
              {"Compartments": ["3", "5", "7"]}),
        ),
    ),
    CategorySpec(
        "Lighting", "Lamps for every room, from reading light to the whole room.",
        ("Black", "White", "Sage", "Terracotta", "Mustard"),
        ("Classic", "Minimal", "Studio", "Nordic", "Soft", "Modern"),
        ("Gives a warm, even light.", "Looks as good switched off as on."),
        (
            N("Floor Lamp", ("Brass", "Steel", "Oak", "Rattan"), (60, 480), (3000, 9000),
              {"Height": ["140 cm", "160 cm", "180 cm"], "Bulb": ["E27 included"]}),
            N("Pendant Light", ("Glass", "Rattan", "Linen", "Concrete"), (35, 420), (400, 3500),
              {"Cable length": ["1 m", "1.5 m", "2 m"], "Bulb": ["E27 included"]}),
            N("Table Lamp", ("Ceramic", "Glass", "Brass", "Linen"), (30, 320), (900, 3500),
              {"Height": ["35 cm", "45 cm", "55 cm"], "Bulb": ["E14 included"]}),
            N("String Lights", ("Copper", "Rattan", "Paper"), (12, 70), (150, 600),
              {"Length": ["5 m", "10 m", "20 m"], "Power": ["USB", "Mains", "Solar"]}),
            N("Wall Sconce", ("Brass", "Steel", "Glass", "Concrete"), (40, 360), (600, 2500),
              {"Mounting": ["Hardwired", "Plug-in"], "Bulb": ["Integrated LED"]}),
        ),
        {"Colour temperature": ["2200 K", "2700 K", "3000 K", "Tunable"], "Dimmable": YES_NO},
    ),
    CategorySpec(
        "Home Textiles", "Bedding, towels and throws in natural fibres.",
        ("White", "Sand", "Sage", "Navy", "Terracotta"),
        ("Soft", "Classic", "Everyday", "Washed", "Organic", "Heavyweight"),
        ("Gets softer with every wash.", "Woven from fibres chosen for how they age."),
        (
            N("Duvet Cover", ("Linen", "Cotton", "Bamboo"), (45, 260), (900, 1800),
              {"Size": ["Single", "Double", "King"], "Care": ["Machine wash 40 °C"]}),
            N("Bath Towel", ("Cotton", "Linen", "Bamboo"), (14, 60), (400, 900),
              {"Size": ["50 x 90 cm", "70 x 140 cm"], "Care": ["Machine wash 60 °C"]}),
            N("Throw Blanket", ("Wool", "Cashmere", "Cotton", "Alpaca"), (40, 390), (800, 1800),
              {"Size": ["130 x 170 cm", "150 x 200 cm"], "Care": ["Hand wash only"]}),
            N("Cushion", ("Linen", "Velvet", "Wool", "Cotton"), (18, 90), (300, 800),
              {"Size": ["40 x 40 cm", "50 x 50 cm"], "Filling": ["Feather", "Kapok"]}),
            N("Table Runner", ("Linen", "Cotton", "Jute"), (14, 70), (150, 400),
              {"Length": ["150 cm", "200 cm", "250 cm"], "Care": ["Machine wash 30 °C"]}),
            N("Rug", ("Wool", "Jute", "Cotton"), (60, 690), (3000, 15000),
              {"Size": ["120 x 170 cm", "160 x 230 cm"], "Care": ["Spot clean"]}),
        ),
        {"Certification": ["OEKO-TEX Standard 100", "GOTS organic", "EU Ecolabel"]},
    ),
    CategorySpec(
        "Tools", "Hand and power tools for repairs and weekend projects.",
        ("Black", "Yellow", "Orange", "Red", "Slate grey"),
        ("Pro", "Heavy-Duty", "Compact", "Everyday", "Precision", "Workshop"),
        ("Balanced in the hand and built for years of jobs.", "Made for repairs and big projects."),
        (
            N("Cordless Drill", ("Aluminium", "Composite"), (50, 380), (1200, 2200),
              {"Voltage": ["12 V", "18 V", "20 V"], "Battery": ["2.0 Ah", "4.0 Ah"]}),
            N("Screwdriver Set", ("Chrome Vanadium", "S2 Steel"), (12, 90), (400, 1500),
              {"Pieces": ["6", "12", "32", "64"]}),
            N("Hammer", ("Hickory", "Fibreglass", "Steel"), (12, 80), (450, 900),
              {"Head weight": ["450 g", "570 g", "680 g"]}),
            N("Tape Measure", ("Steel", "Fibreglass"), (7, 40), (150, 400),
              {"Length": ["3 m", "5 m", "8 m"]}),
            N("Utility Knife", ("Aluminium", "Steel"), (7, 45), (100, 250),
              {"Spare blades": ["5", "10", "20"]}),
            N("Spirit Level", ("Aluminium", "Steel"), (12, 90), (300, 1200),
              {"Length": ["40 cm", "60 cm", "120 cm"]}),
        ),
        {"Made for": ["Home and DIY", "Trade"]},
    ),
    CategorySpec(
        "Fitness", "Weights, mats and gear for training at home.",
        ("Black", "Slate grey", "Sage", "Navy", "Orange"),
        ("Home", "Studio", "Pro", "Compact", "Everyday", "Training"),
        ("Built for daily training at home.", "Grips well and wipes clean."),
        (
            N("Yoga Mat", ("Cork", "Rubber", "TPE"), (20, 140), (900, 2500),
              {"Thickness": ["3 mm", "4 mm", "6 mm"]}),
            N("Kettlebell", ("Cast Iron", "Steel"), (25, 180), (4000, 24000)),
            N("Jump Rope", ("PVC", "Leather", "Steel Cable"), (8, 45), (150, 400),
              {"Length": ["2.7 m", "3 m", "Adjustable"]}),
            N("Resistance Band", ("Latex", "Fabric"), (8, 40), (50, 300),
              {"Resistance": ["Light", "Medium", "Heavy", "Set of 3"]}),
            N("Foam Roller", ("EVA Foam", "Cork"), (14, 60), (300, 1200),
              {"Length": ["30 cm", "45 cm", "90 cm"], "Firmness": ["Soft", "Medium", "Firm"]}),
            N("Dumbbell", ("Cast Iron", "Neoprene", "Rubber"), (10, 160), (1000, 20000),
              {"Sold as": ["Single", "Pair"]}),
        ),
        {"Level": ["Beginner", "Intermediate", "Advanced", "All levels"]},
    ),
    CategorySpec(
        "Travel", "Luggage and organizers that make packing easy.",
        ("Black", "Navy", "Sand", "Forest green", "Terracotta"),
        ("Compact", "Lightweight", "Classic", "Everyday", "Nomad", "City"),
        ("Packs flat and fits the overhead bin.", "Made for weekends away and long hauls."),
        (
            N("Carry-On", ("Polycarbonate", "Aluminium", "Nylon"), (90, 540), (2200, 4200),
              {"Volume": ["34 l", "38 l", "42 l"], "Wheels": ["2", "4 spinner"]}),
            N("Duffel Bag", ("Canvas", "Leather", "Nylon"), (40, 320), (600, 2200),
              {"Volume": ["35 l", "45 l", "60 l"]}),
            N("Packing Cubes", ("Nylon", "Ripstop"), (14, 55), (120, 400),
              {"Pieces": ["3", "4", "6"]}),
            N("Travel Pillow", ("Memory Foam", "Merino"), (14, 60), (150, 450),
              {"Washable cover": YES_NO}),
            N("Passport Wallet", ("Leather", "Canvas", "Nylon"), (12, 90), (40, 140),
              {"RFID blocking": YES_NO}),
            N("Toiletry Bag", ("Canvas", "Leather", "Nylon"), (14, 80), (120, 400),
              {"Hanging hook": YES_NO}),
        ),
    ),
    CategorySpec(
        "Garden", "Planters, tools and seeds for balconies and back gardens.",
        ("Terracotta", "Sage", "Forest green", "Sand", "Slate grey"),
        ("Classic", "Balcony", "Patio", "Everyday", "Allotment", "Heritage"),
        ("Made for balconies and back gardens alike.", "Weathers well, season after season."),
        (
            N("Planter", ("Terracotta", "Stoneware", "Cedar", "Concrete"), (8, 260), (500, 18000),
              {"Diameter": ["12 cm", "20 cm", "30 cm", "45 cm"], "Frost proof": YES_NO}),
            N("Pruning Shears", ("Steel", "Carbon Steel"), (14, 90), (180, 300),
              {"Cut capacity": ["15 mm", "20 mm", "25 mm"]}),
            N("Watering Can", ("Galvanised Steel", "Copper", "Zinc"), (15, 120), (500, 1500),
              {"Capacity": ["1 l", "5 l", "9 l"]}),
            N("Seed Kit", ("Coir", "Bamboo", "Paper"), (9, 40), (200, 900),
              {"Seeds": ["Herbs", "Salad leaves", "Wildflowers", "Tomatoes"]}),
            N("Garden Hose", ("Rubber", "PVC"), (20, 140), (1500, 6000),
              {"Length": ["15 m", "25 m", "30 m"]}),
            N("Trowel", ("Steel", "Carbon Steel", "Copper"), (9, 50), (150, 350),
              {"Handle": ["Ash", "Oak", "Rubberised"]}),
        ),
        {"Made for": ["Balconies", "Back gardens", "Allotments"]},
    ),
]  # fmt: skip
