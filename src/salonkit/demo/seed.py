"""Seed data for the demo: one Shanghai salon with its team, services, resources and customers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pendulum

from salonkit.domain.catalogue import Product, ProductKind, Resource, Service, ServiceStep
from salonkit.domain.customer import Customer, PatchTest
from salonkit.domain.money import Money
from salonkit.domain.staff import StaffMember, WeeklyShift
from salonkit.domain.store import Store, WallInterval, weekly_hours
from salonkit.inventory.model import StockSettings
from salonkit.inventory.recipes import Recipe, RecipeLine
from salonkit.inventory.service import InventoryService
from salonkit.loyalty.campaigns import Campaign, PercentOff
from salonkit.loyalty.earning import SpendRule
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.rewards import RedemptionPolicy
from salonkit.loyalty.tiers import Perks, Tier, TierLadder
from salonkit.loyalty.wallet import TopUpOffer, WalletPolicy
from salonkit.orders.deposits import FeePolicy
from salonkit.orders.service import OrderService
from salonkit.orders.tax import TaxPolicy
from salonkit.salon import Salon

STORE_ID = "flagship"
TIMEZONE = "Asia/Shanghai"
CURRENCY = "CNY"


def _cny(amount: str) -> Money:
    return Money(amount, CURRENCY)


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _pattern(
    start: str, end: str, lunch: str, weekdays: range | tuple[int, ...]
) -> tuple[WeeklyShift, ...]:
    lunch_start = _t(lunch)
    lunch_end = (dt.datetime.combine(dt.date.min, lunch_start) + dt.timedelta(minutes=30)).time()
    return tuple(
        WeeklyShift(d, WallInterval(_t(start), _t(end)), (WallInterval(lunch_start, lunch_end),))
        for d in weekdays
    )


def store() -> Store:
    """The demo store: open 10:00-21:00 every day."""
    return Store(
        id=STORE_ID,
        name="Jade Salon, Jing'an",
        timezone=TIMEZONE,
        currency=CURRENCY,
        opening_hours=weekly_hours("10:00", "21:00"),
        address="188 Nanjing West Road, Shanghai",
        phone="+86 21 5555 0188",
    )


def services() -> list[Service]:
    """Cuts, a three-step colour with processing time, a perm, a treatment and a blow-dry."""
    wash = ServiceStep("wash", 10, True, ("basin",))
    return [
        Service(
            id="womens-cut",
            name="Women's cut & finish",
            category="cut",
            price=_cny("268"),
            skill="cut",
            steps=(wash, ServiceStep("cut", 45, True, ("chair",))),
            buffer_after=5,
        ),
        Service(
            id="mens-cut",
            name="Men's cut",
            category="cut",
            price=_cny("128"),
            skill="cut",
            steps=(wash, ServiceStep("cut", 25, True, ("chair",))),
        ),
        Service(
            id="colour",
            name="Full colour",
            category="colour",
            price=_cny("680"),
            skill="colour",
            steps=(
                ServiceStep("apply", 30, True, ("chair",)),
                ServiceStep("process", 40, False, ("chair",)),
                ServiceStep("rinse", 15, True, ("basin",)),
            ),
            patch_test_days=180,
            contraindications={"ppd"},
            deposit=_cny("100"),
        ),
        Service(
            id="perm",
            name="Digital perm",
            category="perm",
            price=_cny("980"),
            skill="perm",
            steps=(
                ServiceStep("set", 40, True, ("chair",)),
                ServiceStep("heat", 30, False, ("chair",)),
                ServiceStep("rinse", 15, True, ("basin",)),
                ServiceStep("style", 20, True, ("chair",)),
            ),
            contraindications={"thioglycolate"},
        ),
        Service(
            id="treatment",
            name="Repair treatment",
            category="care",
            price=_cny("358"),
            skill="care",
            steps=(
                ServiceStep("apply", 15, True, ("basin",)),
                ServiceStep("steam", 20, False, ("basin",)),
            ),
        ),
        Service(
            id="blow-dry",
            name="Blow-dry",
            category="styling",
            price=_cny("158"),
            skill="styling",
            steps=(ServiceStep("style", 30, True, ("chair",)),),
        ),
    ]


def staff() -> list[StaffMember]:
    """Five stylists with different skills, levels and weekly patterns."""
    every_day = range(7)
    return [
        StaffMember(
            id="ana",
            store_id=STORE_ID,
            name="Ana (creative director)",
            skills={"cut", "colour", "styling"},
            level="director",
            working_pattern=_pattern("10:00", "19:00", "13:00", (0, 1, 2, 3, 4, 5)),
            duration_overrides={"womens-cut": (10, 35)},
        ),
        StaffMember(
            id="bo",
            store_id=STORE_ID,
            name="Bo",
            skills={"cut", "perm", "styling"},
            level="senior",
            working_pattern=_pattern("12:00", "21:00", "16:00", every_day),
        ),
        StaffMember(
            id="chen",
            store_id=STORE_ID,
            name="Chen",
            skills={"colour", "care"},
            level="senior",
            working_pattern=_pattern("10:00", "19:00", "13:30", every_day),
        ),
        StaffMember(
            id="dai",
            store_id=STORE_ID,
            name="Dai",
            skills={"cut", "styling", "care"},
            level="stylist",
            working_pattern=_pattern("11:00", "20:00", "14:30", (2, 3, 4, 5, 6)),
        ),
        StaffMember(
            id="eve",
            store_id=STORE_ID,
            name="Eve (junior)",
            skills={"care", "styling"},
            level="junior",
            working_pattern=_pattern("10:00", "19:00", "12:30", (0, 1, 3, 4, 5, 6)),
        ),
    ]


def resources() -> list[Resource]:
    """Six styling chairs and two basins."""
    return [
        Resource(
            id=f"{STORE_ID}-chair",
            store_id=STORE_ID,
            kind="chair",
            capacity=6,
            name="Styling chairs",
        ),
        Resource(
            id=f"{STORE_ID}-basin", store_id=STORE_ID, kind="basin", capacity=2, name="Wash basins"
        ),
    ]


def products() -> list[Product]:
    """Professional colour and retail care products."""
    return [
        Product(
            sku="DYE-6N",
            name="Permanent colour 6N",
            unit="ml",
            kind=ProductKind.PROFESSIONAL,
            barcode="6901234500011",
            category="colour",
            purchase_unit_size=Decimal(60),
        ),
        Product(
            sku="DEV-6",
            name="Developer 6%",
            unit="ml",
            kind=ProductKind.PROFESSIONAL,
            barcode="6901234500028",
            category="colour",
            purchase_unit_size=Decimal(1000),
        ),
        Product(
            sku="SHAMPOO-R",
            name="Repair shampoo 300 ml",
            unit="piece",
            kind=ProductKind.RETAIL,
            barcode="6901234500035",
            category="care",
            price=_cny("168"),
        ),
        Product(
            sku="MASK-R",
            name="Repair mask 200 ml",
            unit="piece",
            kind=ProductKind.RETAIL,
            barcode="6901234500042",
            category="care",
            price=_cny("228"),
        ),
    ]


def customers(today: dt.date) -> list[Customer]:
    """Twelve customers with preferences, allergies, patch tests and consent."""
    rows = [
        (
            "Lin Mei",
            "+86 138 0013 8001",
            "1991-04-12",
            "zh_CN",
            ("ana",),
            (),
            True,
            {"regular", "colour"},
        ),
        ("Wang Fang", "+86 139 0013 8002", "1985-11-02", "zh_CN", ("chen",), (), True, {"regular"}),
        ("Zhang Wei", "+86 137 0013 8003", "1979-07-23", "zh_CN", ("bo",), (), False, {"men"}),
        ("Liu Yang", "+86 136 0013 8004", "1995-01-30", "zh_CN", (), ("ppd",), True, {"new"}),
        ("Chen Jing", "+86 135 0013 8005", "1988-09-09", "zh_CN", ("dai",), (), True, set()),
        ("Sophie Martin", "+33 6 12 34 56 78", "1990-05-17", "en", (), (), True, {"expat"}),
        (
            "Zhao Lei",
            "+86 158 0013 8007",
            "1983-03-03",
            "zh_CN",
            ("bo",),
            (),
            False,
            {"men", "regular"},
        ),
        ("Huang Li", "+86 159 0013 8008", "1999-12-24", "zh_CN", ("chen",), (), True, {"colour"}),
        (
            "Zhou Min",
            "+86 186 0013 8009",
            "1970-06-06",
            "zh_CN",
            (),
            ("thioglycolate",),
            False,
            set(),
        ),
        ("James Carter", "+44 7700 900123", "1987-08-14", "en", ("ana",), (), True, {"vip"}),
        ("Wu Xia", "+86 187 0013 8011", "1993-02-28", "zh_CN", ("eve",), (), True, {"regular"}),
        ("Sun Qian", "+86 188 0013 8012", "2001-10-10", "zh_CN", (), (), True, {"new"}),
    ]
    out = []
    for n, (name, phone, birthday, lang, preferred, allergies, consent, tags) in enumerate(
        rows, start=1
    ):
        patch = (
            (PatchTest(today - dt.timedelta(days=30), True, "DYE-6N"),) if "colour" in tags else ()
        )
        out.append(
            Customer(
                id=f"cust-{n:02d}",
                name=name,
                phone=phone,
                birthday=dt.date.fromisoformat(birthday),
                language=lang,
                preferred_staff=preferred,
                allergies=frozenset(allergies),
                consent_marketing=consent,
                tags=frozenset(tags),
                patch_tests=patch,
                vip="vip" in tags,
                home_store_id=STORE_ID,
            )
        )
    return out


@attrs.frozen
class SeedSummary:
    """What :func:`seed` created."""

    store: Store
    staff: int
    services: int
    resources: int
    products: int
    customers: int


def seed(salon: Salon, today: dt.date) -> SeedSummary:
    """Create the demo store, staff, services, resources, products and customers in ``salon``."""
    opened = salon.stores.open(store())
    for member in staff():
        salon.staff.hire(member)
    for service in services():
        salon.catalogue.add_service(service)
    for resource in resources():
        salon.catalogue.add_resource(resource)
    for product in products():
        salon.catalogue.add_product(product)
    people = customers(today)
    for customer in people:
        salon.customers.add(customer)
    return SeedSummary(
        opened, len(staff()), len(services()), len(resources()), len(products()), len(people)
    )


# -- operations: what a full day needs beyond the catalogue ---------------------------------------


def programme() -> Programme:
    """The demo loyalty programme: one point per yuan, 100 points = 1 yuan, silver/gold/jade tiers
    (gold gets 5 % off, jade 10 % and double points) and a coupon-only welcome campaign."""
    return Programme(
        currency=CURRENCY,
        timezone=TIMEZONE,
        earn_rules=(SpendRule(points=1, per=_cny("1")),),
        redemption=RedemptionPolicy(block_value=_cny("1"), max_share=Decimal("0.5")),
        tiers=TierLadder(
            tiers=(  # type: ignore[arg-type]
                Tier(name="silver", threshold=0),
                Tier(name="gold", threshold=700, perks=Perks(discount_percent=Decimal(5))),
                Tier(
                    name="jade",
                    threshold=10000,
                    perks=Perks(multiplier=Decimal(2), discount_percent=Decimal(10)),
                ),
            )
        ),
        campaigns=(
            Campaign(
                id="welcome",
                name="Welcome: 20% off",
                offer=PercentOff(percent=Decimal(20)),
                coupon_required=True,
            ),
        ),
    )


def wallet_policy() -> WalletPolicy:
    """Top up 1,000 and get 100 more; alert under 100."""
    return WalletPolicy(
        currency=CURRENCY,
        top_up_offers=(TopUpOffer(pay=_cny("1000"), bonus=_cny("100")),),  # type: ignore[arg-type]
        low_balance=_cny("100"),
    )


def recipes() -> list[Recipe]:
    """What the colour and the perm consume."""
    return [
        Recipe(
            service_id="colour",
            lines=(RecipeLine("DYE-6N", Decimal(60)), RecipeLine("DEV-6", Decimal(60))),
        ),
        Recipe(service_id="treatment", lines=(RecipeLine("MASK-R", Decimal("0.25")),)),
    ]


#: Opening stock: (sku, quantity, unit, unit cost, reorder point in stock units).
OPENING_STOCK = (
    ("DYE-6N", Decimal(4), "pack", "45.00", Decimal(120)),
    ("DEV-6", Decimal(1), "pack", "80.00", Decimal(200)),
    ("SHAMPOO-R", Decimal(12), None, "62.00", Decimal(3)),
    ("MASK-R", Decimal(8), None, "85.00", Decimal(2)),
)


@attrs.frozen
class OperationsSummary:
    """What :func:`seed_operations` set up."""

    recipes: int
    stocked: int


def seed_operations(salon: Salon, today: dt.date) -> OperationsSummary:
    """Tax and fee policies, recipes, opening stock with reorder points, notification settings.

    ``salon`` must have been opened with the demo's settings (:func:`salonkit.demo.setup.open_demo_salon`).
    """
    from salonkit.notifications.settings import NotificationSettings

    orders: OrderService = salon.orders
    inventory: InventoryService = salon.inventory
    orders.configure(
        STORE_ID,
        tax=TaxPolicy.china_vat(),
        fees=FeePolicy(no_show_percent=Decimal(50), late_cancel_percent=Decimal(25)),
    )
    for recipe in recipes():
        inventory.save_recipe(recipe)
    received = pendulum.datetime(today.year, today.month, today.day, 8, tz=TIMEZONE)
    for sku, quantity, unit, cost, reorder in OPENING_STOCK:
        inventory.configure(sku, StockSettings(reorder_point=reorder, reorder_quantity=reorder * 4))
        inventory.receive(
            STORE_ID,
            sku,
            quantity,
            unit=unit,
            unit_cost=_cny(cost),
            actor="manager",
            lot=f"L{today:%y%m}",
            expires=today + dt.timedelta(days=365),
            at=received.subtract(days=120),
        )
    salon.notifications.configure(
        NotificationSettings(
            store_id=STORE_ID,
            quiet_hours=None,
            reminder_hours=(2,),
            channels=("sms", "email"),
            manager_channel="desk",
            manager_to="manager@jade.example",
        )
    )
    return OperationsSummary(recipes=len(recipes()), stocked=len(OPENING_STOCK))
