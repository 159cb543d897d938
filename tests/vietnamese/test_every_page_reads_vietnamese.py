"""Every page, read as every role, in Vietnamese: no raw code (`ho_ngheo`,
`accept_completion`, `signature_list.xlsx`) and no English word.

The world is the authorization matrix's (a case waiting for the commune
leader, gift lists, a rehab referral, a background export, a lockout), and
then lived in through the pages, so that the audit trail, the timelines and
the histories hold every kind of event: a draft edited (program and kind), a
step taken, documents uploaded, a gift list imported from a file, gifts
handed over and returned, signature lists and reconciliations exported, a
report drafted, the audit trail exported, a rehab record read and exported,
a lockout lifted. The crawl starts from the pages the matrix opens to the
role and follows every link they show."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.test import Client

from tests.authz.test_authorization_matrix import PRINCIPALS, client_for
from tests.vietnamese.crawl import Crawl, start_pages


def _typed(world: SimpleNamespace) -> set[str]:
    """Values people typed, shown as typed (data, not the interface's words):
    account names, campaign and package codes."""
    from cases.gifts.models import Campaign, GiftPackage

    return {
        *get_user_model().objects.values_list("username", flat=True),
        *Campaign.objects.values_list("code", flat=True),
        *GiftPackage.objects.values_list("code", flat=True),
    }


def test_no_page_shows_a_code_or_english_to_any_role(
    lived_in: SimpleNamespace, world: SimpleNamespace
) -> None:
    typed = _typed(world)
    found: dict[str, list[str]] = {}
    for role in PRINCIPALS:
        crawl = Crawl(role, typed)
        client = client_for(role, lived_in, api_call=False) if role != "anon" else Client()
        start = start_pages(role, world)
        crawl.read_all(client, start)
        # The crawl read every page the matrix opens to the role (and more).
        assert set(start) <= crawl.seen, f"{role}: not read: {set(start) - crawl.seen}"
        for f in crawl.findings:
            found.setdefault(f"{f.words} «{f.text[:160]}»", []).append(f"{role} {f.url}")
    report = [f"{text}\n    {len(where)}× e.g. {where[0]}" for text, where in sorted(found.items())]
    assert not report, f"{len(report)} texts in English or codes:\n" + "\n".join(report)
