"""The main menu of each kind of account (issue #13): every role sees the entries of its own work, and
only entries that open a page it may read (the route matrix, core/tests/route_rules.py, says which).

- team member: « Ma file active » (home), field app, search, referrals inbox, activity, care (health
  professions), households, places, indicators, services;
- head of service: the same, after « Accueil » (the service dashboard, home.views.home), then the access
  journal, the probable duplicates and the emergency accesses, and the calls for projects (issue #18);
- partner: « Mes orientations » (home) and « Nouvelle orientation »;
- regulator: the regional regulation queue (home), the region's free places and the needs against
  responses (issue #18);
- funder: the territory's indicators (home), the needs against responses, its calls for projects and
  envelopes, the funded services' target against actual (issue #18);
- property department (a staff account without a team, with access to an operator's park): the park.

The entry of the page shown is marked `current` (aria-current="page" in base.html).

The head of service's menu would take two lines at 1366 px: the entries of less frequent work (households,
places, services, calls for projects, journal, duplicates, emergency accesses, import) are `more`, shown under
« Plus », a <details> disclosure (keyboard and no JavaScript needed) after the other entries.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aupres.accounts.models import AccountKind
from aupres.core import access
from aupres.core.models import Compartment
from aupres.places import park


@dataclass
class Item:
    name: str  # URL name
    label: str
    testid: str
    badge: int = 0
    url: str = ""
    current: bool = False
    more: bool = False  # under « Plus »


def _staff_items(user):
    team = bool(access.service_ids(user))
    head = access.is_head_of_service(user)
    items = []
    if head:
        items.append(Item("home", _("Home"), "nav-home"))
    if team or not _park_user(user):
        items.append(Item("persons:caseload", _("My caseload"), "nav-caseload"))
    if team:
        items += [
            Item("field:app", _("Field app"), "nav-field"),
            Item("persons:search", _("Search"), "nav-search"),
            Item("referrals:inbox", _("Referrals"), "nav-referrals"),
            Item("encounters:index", _("Activity"), "nav-activity"),
        ]
        if access.service_ids(user, Compartment.HEALTH):
            items.append(Item("care:home", _("Care"), "nav-care"))
        items += [
            Item("persons:households", _("Households"), "nav-households"),
            Item("places:index", _("Places"), "nav-places"),
            Item("indicators:home", _("Indicators"), "nav-indicators"),
            Item("services:home", _("Services"), "nav-services"),
        ]
    elif _park_user(user):
        items.append(Item("places:park", _("Housing park"), "nav-park"))
    if head:
        items += [
            Item("calls:index", _("Calls for projects"), "nav-calls"),
            Item("audit:journal", _("Access journal"), "nav-journal"),
            Item("referrals:duplicate_queue", _("Probable duplicates"), "nav-duplicates"),
            Item("sharing:notifications", _("Emergency accesses"), "nav-emergency"),
            Item("imports:index", _("Import a spreadsheet"), "nav-import"),
        ]
        for item in items:
            item.more = item.name in HEAD_MORE
        items.sort(key=lambda item: item.more)  # stable: the entries under « Plus » come last, in order
    return items


# The head of service's entries under « Plus »: the one-line menu at 1366 px (issue #13).
HEAD_MORE = {"persons:households", "places:index", "services:home", "calls:index", "audit:journal",
             "referrals:duplicate_queue", "sharing:notifications", "imports:index"}


def _park_user(user):
    return park.is_park_user(user)


def items_for(user):
    """The menu entries of this account, in order (without URLs and current marks)."""
    if not getattr(user, "is_authenticated", False):
        return []
    kind = user.kind
    if kind == AccountKind.PARTNER:
        return [Item("referrals:partner_list", _("My referrals"), "nav-my-referrals"),
                Item("referrals:partner_new", _("New referral"), "nav-new-referral")]
    if kind == AccountKind.REGULATOR:
        items = [Item("referrals:regulation", _("Regional regulation"), "nav-regulation"),
                 Item("places:regional", _("Free places in the region"), "nav-regional-places")]
        if user.territory_id:  # the needs against responses of the regulator's territory
            items.append(Item("indicators:needs", _("Needs against responses"), "nav-needs"))
        return items
    if kind == AccountKind.FUNDER:
        items = [Item("indicators:funder", _("Territory indicators"), "nav-funder")]
        if user.territory_id:  # calls for projects and the needs analysis belong to a funder's territory
            items += [Item("indicators:needs", _("Needs against responses"), "nav-needs"),
                      Item("calls:index", _("Calls for projects"), "nav-calls"),
                      Item("calls:steering", _("Target against actual"), "nav-steering")]
        return items
    return _staff_items(user)


def home_url_name(user):
    """Where « Auprès » (the brand link) and the sign-in lead each kind of account."""
    items = items_for(user)
    return items[0].name if items else "persons:caseload"


def menu(request):
    """The entries with their URLs, the one of the page shown marked current: the exact page, else the
    entry whose address is the longest start of the page's address, else the first of the same app."""
    items = items_for(getattr(request, "user", None))
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    for item in items:
        try:
            item.url = reverse(item.name)
        except NoReverseMatch:  # pragma: no cover - every entry is a URL without parameters
            item.url = ""
    current = next((i for i in items if i.name == view_name), None)
    if current is None:
        prefixed = [i for i in items if i.url not in ("", "/") and request.path.startswith(i.url)]
        current = max(prefixed, key=lambda i: len(i.url), default=None)
    if current is None and ":" in view_name:
        namespace = view_name.split(":", 1)[0]
        current = next((i for i in items if i.name.split(":", 1)[0] == namespace), None)
    if current is not None:
        current.current = True
    return items
