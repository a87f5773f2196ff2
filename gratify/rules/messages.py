"""The msgids of the rules' data files, marked for the catalogue extractor.

Rule texts live in ``data/*.toml`` (English; shown translated). Babel extracts strings only
from code and templates, so each text is repeated here inside ``N_()``; a test checks that
this list and the data files agree. `rules/` imports nothing else of the project, so ``N_``
is defined here (the extractor knows the name ``N_``).
"""

from __future__ import annotations


def N_(msgid: str) -> str:
    """Mark `msgid` for translation without translating it (it is translated when shown)."""
    return msgid


RULE_TEXTS: frozenset[str] = frozenset(
    {
        N_(
            "A flower arrangement sent as a greeting for an event such as an engagement, "
            "wedding, birth, death, religious or customary ceremony, farewell, retirement or "
            "promotion."
        ),
        N_(
            "A gift between colleagues that is not money, up to a limit per gift and a yearly "
            "limit from the same giver, as long as there is no conflict of interest."
        ),
        N_(
            "A gift for an engagement, wedding, birth, aqiqah, baptism, circumcision, tooth "
            "filing or another customary or religious ceremony, up to a limit per giver at "
            "each event."
        ),
        N_(
            "A gift from colleagues for a farewell, retirement, transfer or birthday that is "
            "not money, up to a limit per gift and a yearly limit from the same giver, as long "
            "as there is no conflict of interest."
        ),
        N_(
            "A gift within the family (grandparents, parents and parents-in-law, spouse, "
            "children and their spouses, adopted children or wards, grandchildren, your "
            "children's parents-in-law, uncles and aunts, siblings and siblings-in-law, "
            "cousins, nephews and nieces), as long as there is no conflict of interest."
        ),
        N_(
            "A gift you refused must be reported too (a refusal report), so there is a record "
            "that you refused it."
        ),
        N_(
            "A prize, lucky draw, discount, voucher, reward points or souvenir open to the "
            "general public and not connected to your official duties."
        ),
        N_(
            "A promotional or awareness item with a logo or message, given to everyone and not "
            "money, as long as there is no conflict of interest."
        ),
        N_(
            "A report that is still incomplete %(days)s working days after it was filed is not "
            "followed up."
        ),
        N_(
            "A souvenir or plaque given to the institution in official or state relations, in "
            "Indonesia or abroad, and not to an individual official."
        ),
        N_(
            "An honorarium, transport, lodging or other payment for an official activity at "
            "the standard rates of the paying agency, as long as nothing is paid twice, there "
            "is no conflict of interest and your own agency's rules allow it."
        ),
        N_(
            "Another gift between colleagues that is not money and not connected to official "
            "duties, up to a limit per gift and a yearly limit from the same giver."
        ),
        N_(
            "Civil servants and state officials must report every gift they receive, unless an "
            "exemption in the regulation clearly applies. A gift linked to your position "
            "counts as a bribe unless it is reported to KPK within 30 working days."
        ),
        N_("Food and drink served to everyone present."),
        N_(
            "Kits and materials given to every participant of an official activity such as a "
            "seminar, workshop, conference or training."
        ),
        N_("Report directly to KPK within %(days)s working days of receiving the gift."),
        N_(
            "Report to your agency's gratification control unit (UPG) within %(days)s working "
            "days of receiving the gift."
        ),
        N_(
            "The 2026 amendment removed the separate exemption for farewell, retirement and "
            "birthday gifts between colleagues. Such a gift may fall under the general rule "
            "for gifts between colleagues, but that is not certain: report it, or ask your "
            "UPG."
        ),
        N_("The UPG forwards a report to KPK within %(days)s working days of receiving it."),
    }
)
"""Every ``text`` of ``data/gratification.toml``."""
