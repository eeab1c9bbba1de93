"""Fixed tables of the generator: accounts, categories, payees, subscriptions, descriptions.

Every string the generator writes comes from one of these tables, so the transaction arrays
hold small integer codes and the CSV writer sees dictionary-encoded columns. No name contains
a comma, quote or line break: the CSV writer runs without quoting and rejects such values.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fincast.taxonomy import DEFAULT_CATEGORIES, CategoryKind

CURRENCY = "USD"

# --- accounts ---------------------------------------------------------------------------------

ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Checking", "checking"),
    ("Savings", "savings"),
    ("Visa", "credit_card"),
    ("Mastercard", "credit_card"),
    ("Amex", "credit_card"),
    ("Cash", "cash"),
    ("Auto Loan", "loan"),
    ("Student Loan", "loan"),
    ("Brokerage", "investment"),
)
ACCOUNT_NAMES: tuple[str, ...] = tuple(a for a, _ in ACCOUNTS)
# account types in order of first use above: the codes of the account_type column
ACCOUNT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(t for _, t in ACCOUNTS))
ACCOUNT_TYPE_OF: npt.NDArray[np.int8] = np.array(
    [ACCOUNT_TYPES.index(t) for _, t in ACCOUNTS], dtype=np.int8
)
CHECKING, SAVINGS, VISA, MASTERCARD, AMEX, CASH, AUTO_LOAN, STUDENT_LOAN, BROKERAGE = range(9)
CARDS = np.array([VISA, MASTERCARD, AMEX], dtype=np.int8)

# --- categories -------------------------------------------------------------------------------

CATEGORY_SLUGS: tuple[str, ...] = tuple(c.slug for c in DEFAULT_CATEGORIES)
CATEGORY_CODE: dict[str, int] = {slug: i for i, slug in enumerate(CATEGORY_SLUGS)}
CATEGORY_KIND: tuple[CategoryKind, ...] = tuple(c.kind for c in DEFAULT_CATEGORIES)
EXPENSE_CODES: tuple[int, ...] = tuple(
    i for i, k in enumerate(CATEGORY_KIND) if k is CategoryKind.EXPENSE
)
INCOME_CODES: tuple[int, ...] = tuple(
    i for i, k in enumerate(CATEGORY_KIND) if k is CategoryKind.INCOME
)

# --- payees -----------------------------------------------------------------------------------

PAYEE_GROUPS: dict[str, tuple[str, ...]] = {
    "employer": (
        "Acme Corp",
        "Globex",
        "Initech",
        "Umbrella Health",
        "Stark Industries",
        "Wayne Enterprises",
        "Hooli",
        "Vandelay Industries",
        "Soylent Foods",
        "Cyberdyne Systems",
        "Wonka Industries",
        "Tyrell Corp",
        "City of Springfield",
        "State University",
        "Northwind Traders",
        "Contoso",
    ),
    "tax_refund": ("IRS Treas 310",),
    "bonus": ("Employer Bonus",),
    "interest": ("Interest Paid",),
    "landlord": (
        "Oakwood Apartments",
        "Maple Court Rentals",
        "Riverside Property Mgmt",
        "Greystar",
        "Sunset Villas",
        "Parkview Lofts",
    ),
    "mortgage": ("Wells Fargo Home Mortgage", "Rocket Mortgage", "Chase Home Lending"),
    "electricity": ("City Power and Light",),
    "gas": ("Metro Gas Co",),
    "water": ("Municipal Water",),
    "internet": ("Comcast Xfinity", "Spectrum", "AT&T Fiber", "Verizon Fios"),
    "phone": ("T-Mobile", "Verizon Wireless", "AT&T Wireless", "Mint Mobile"),
    "car_insurance": ("GEICO", "Progressive", "State Farm Auto"),
    "home_insurance": ("Lemonade Renters", "Allstate Home", "State Farm Home"),
    "auto_lender": ("Ally Auto Finance", "Toyota Financial"),
    "student_lender": ("Nelnet", "Navient", "MOHELA"),
    "grocer": (
        "Kroger",
        "Safeway",
        "Whole Foods Market",
        "Trader Joe's",
        "Aldi",
        "Publix",
        "Costco",
        "H-E-B",
        "Wegmans",
        "Lidl",
    ),
    "convenience": ("7-Eleven", "CVS Pharmacy Store", "Walgreens Store", "Corner Market"),
    "restaurant": (
        "Starbucks",
        "Chipotle",
        "McDonald's",
        "Olive Garden",
        "Panera Bread",
        "Sushi Zen",
        "Taco Bell",
        "Shake Shack",
        "DoorDash",
        "Uber Eats",
        "Luigi's Trattoria",
        "The Local Pub",
        "Blue Bottle Coffee",
        "Pho Saigon",
    ),
    "entertainment": (
        "AMC Theatres",
        "Ticketmaster",
        "Steam Games",
        "Bowling Alley",
        "Regal Cinemas",
        "Eventbrite",
        "City Museum",
    ),
    "fuel": ("Shell", "Chevron", "ExxonMobil", "BP", "Costco Gas"),
    "car_upkeep": ("Jiffy Lube", "City Parking", "E-ZPass Tolls", "AutoZone", "Car Wash Express"),
    "rideshare": ("Uber", "Lyft"),
    "transit": ("Metro Transit Pass",),
    "shopping": (
        "Amazon",
        "Target",
        "Walmart",
        "Best Buy",
        "Macy's",
        "IKEA",
        "Etsy",
        "Home Depot",
        "Old Navy",
        "Nordstrom",
    ),
    "airline": ("Delta Air Lines", "United Airlines", "Southwest Airlines", "JetBlue"),
    "hotel": ("Marriott", "Hilton", "Airbnb", "Hyatt"),
    "travel_misc": ("Hertz", "Expedia", "Viator Tours", "Airport Shop"),
    "health": ("CVS Pharmacy", "Walgreens Pharmacy", "Dr. Patel Family Medicine", "Dental Care"),
    "tuition": ("State University Bursar", "Community College"),
    "kids": ("Little Stars Daycare", "YMCA Youth Programs", "Music Lessons Co"),
    "books": ("Barnes and Noble", "Chegg"),
    "other": (
        "Great Clips",
        "USPS",
        "Petco",
        "Dry Cleaners",
        "Red Cross Donation",
        "Venmo",
        "Post Office Box",
    ),
    "cash_spend": ("Farmers Market", "Food Truck", "Laundromat", "Street Vendor"),
    "atm": ("ATM Withdrawal",),
    "savings_transfer": ("Transfer to Savings",),
    "savings_withdrawal": ("Transfer from Savings",),
    "brokerage_transfer": ("Transfer to Brokerage",),
    "card_payment": ("Credit Card Payment",),
    "hospital": (
        "St. Mary's Hospital",
        "General Hospital Billing",
        "Urgent Care Center",
        "Radiology Associates",
    ),
    "auto_repair": ("Midas Auto Service", "Pep Boys", "Firestone Complete Auto", "Local Garage"),
    "fraud": (
        "INTL Online Electronics",
        "Gift Card Mall",
        "Crypto Exchange XJ",
        "Luxury Goods Outlet",
    ),
}

# The subscription catalog: name, monthly price in cents, how popular it is (share of users).
SUBSCRIPTIONS: tuple[tuple[str, int, float], ...] = (
    ("Netflix", 1549, 0.55),
    ("Spotify", 1099, 0.45),
    ("Disney+", 799, 0.25),
    ("Hulu", 799, 0.20),
    ("Amazon Prime", 1499, 0.40),
    ("YouTube Premium", 1399, 0.12),
    ("Apple iCloud", 299, 0.35),
    ("HBO Max", 1599, 0.15),
    ("Planet Fitness", 2499, 0.18),
    ("New York Times", 1700, 0.08),
    ("Microsoft 365", 999, 0.12),
    ("Audible", 1495, 0.07),
    ("Xbox Game Pass", 1699, 0.10),
    ("Dropbox", 1199, 0.06),
)
PAYEE_GROUPS["subscription"] = tuple(name for name, _, _ in SUBSCRIPTIONS)
# Payees of the labelled detector events (``fincast generate --detector-events``); added
# after every other group so the codes above stay as they were.
PAYEE_GROUPS["weekly_service"] = (
    "Sparkle Home Cleaning",
    "Happy Paws Dog Walking",
    "Sunrise Swim School",
    "Fresh Farm Box",
)
PAYEE_GROUPS["quarterly_bill"] = (
    "BugFree Pest Control",
    "SafeHome Alarm Monitoring",
    "Lakeside HOA Dues",
    "County Sewer Service",
)
PAYEE_GROUPS["annual_bill"] = (
    "Costco Membership",
    "AAA Membership",
    "Norton Antivirus",
    "Domain Renewal Co",
    "State DMV Registration",
)
PAYEE_GROUPS["big_ticket"] = (
    "Apex Electronics Outlet",
    "Grand Furniture Gallery",
    "Diamond Jewelers",
    "Luxe Appliance Center",
    "Summit Outdoor Gear",
)

PAYEES: tuple[str, ...] = tuple(p for group in PAYEE_GROUPS.values() for p in group)
_PAYEE_INDEX = {p: i for i, p in enumerate(PAYEES)}


def payee_codes(group: str) -> npt.NDArray[np.int16]:
    """Return the payee codes of one payee group."""
    return np.array([_PAYEE_INDEX[p] for p in PAYEE_GROUPS[group]], dtype=np.int16)


# --- descriptions -----------------------------------------------------------------------------

DESCRIPTIONS: tuple[str, ...] = (
    "DIRECT DEP PAYROLL",
    "DEBIT CARD PURCHASE",
    "CARD PURCHASE",
    "ACH DEBIT",
    "ONLINE TRANSFER",
    "AUTOPAY PAYMENT",
    "PAYMENT RECEIVED",
    "ATM WITHDRAWAL",
    "CASH",
    "INTEREST PAYMENT",
    "DEPOSIT",
    "RECURRING CARD PURCHASE",
    "BILL PAY",
)
DESCRIPTION_CODE: dict[str, int] = {d: i for i, d in enumerate(DESCRIPTIONS)}


def _check_tables() -> None:
    bad = [
        s
        for table in (ACCOUNT_NAMES, PAYEES, DESCRIPTIONS, CATEGORY_SLUGS)
        for s in table
        if any(ch in s for ch in ',"\r\n')
    ]
    if bad:  # pragma: no cover - guards edits of the tables above
        raise RuntimeError(f"synth name tables hold CSV-unsafe values: {bad}")
    if len(set(PAYEES)) != len(PAYEES):  # pragma: no cover
        raise RuntimeError("synth payee names must be unique across groups")


_check_tables()
