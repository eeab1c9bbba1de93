"""Golden digests: the files of ten configurations, pinned byte for byte.

The everyday data (transactions, monthly panel, samples) of these configurations is what the
generator wrote before the detector events were added; the ground truth since then also
lists savings interest (monthly) and year-end bonuses (annual) as recurring series. A change
to any draw changes these digests: update them deliberately, and say why in the commit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fincast.synth import generate_households, write_households

GOLDEN: dict[tuple[int, int, int, str], dict[str, str]] = {
    (1, 1, 0, "2024-02"): {
        "ground_truth.json": "d22b14cc7e93b9e0ed0970d26fd70edd",
        "monthly.csv": "a6cda97615a82222a50f2a6c20d72b19",
        "sample_monthly_data.csv": "4e8664344df4a655043c98364618a9b9",
        "sample_transactions.csv": "af206a20a9d872f62d961c3621eb5d2c",
        "transactions.csv": "68eb520487fbed454770908463b6665e",
    },
    (3, 12, 1, "2023-01"): {
        "ground_truth.json": "6520127e4b1639429f9ca1197da5ea1a",
        "monthly.csv": "5e4766ca7bf09fe1612c4376c181020b",
        "sample_monthly_data.csv": "d0d3578133c0e6fdb98cb546451b1c3e",
        "sample_transactions.csv": "57b7d9ab73b2517bb664976e5d897aec",
        "transactions.csv": "cac2c2c066adeead1086aaa024b87228",
    },
    (7, 13, 2, "2024-11"): {
        "ground_truth.json": "22e71edc31d540078988f82b6ad0c481",
        "monthly.csv": "49705180e70df4714946cafa86fc042c",
        "sample_monthly_data.csv": "828f06ec748a2ece800e8c73a546f37f",
        "sample_transactions.csv": "705a897679e091a669a2562002a3307b",
        "transactions.csv": "046421706a260bad363810e3910ae8aa",
    },
    (12, 24, 3, "2023-01"): {
        "ground_truth.json": "2a4258218e483bd64d5aee1ea8f36236",
        "monthly.csv": "d8edfe03939fa10ad6ed0316b7d96329",
        "sample_monthly_data.csv": "14573432649f1ef54ac2956b4c0fe20c",
        "sample_transactions.csv": "ca074c70e880efba8504c57dca0b141d",
        "transactions.csv": "48cbe6faeda69853516b8c071d798648",
    },
    (20, 6, 4, "2020-02"): {
        "ground_truth.json": "2a0137678cee21fad7a95a7dd8a5c2ef",
        "monthly.csv": "93c4a4b8d84ff223773d57f0cefadd47",
        "sample_monthly_data.csv": "6849ce0023b7ebc34bd4e0fb23c86187",
        "sample_transactions.csv": "a64848e5e94ae94c90fa71f0fc97010c",
        "transactions.csv": "cd8efafa8b26a45e8eac087754c5ecf6",
    },
    (25, 36, 5, "2022-06"): {
        "ground_truth.json": "22c76fd54cadd7f4914e83ab649f78c9",
        "monthly.csv": "e11760d57260de7abd7b0510fb91988d",
        "sample_monthly_data.csv": "94307a018a560fa9324b76e6e4d493ff",
        "sample_transactions.csv": "5e415ddc32395c8e1ef6888e1627bf26",
        "transactions.csv": "5afc068bb7d0681d043f4538e8559791",
    },
    (40, 13, 6, "2024-11"): {
        "ground_truth.json": "81301579a535ca51f408c1c31eda109c",
        "monthly.csv": "4c968067329fd6ab20e630d217674498",
        "sample_monthly_data.csv": "903acefd406dc5769a860a84737c2479",
        "sample_transactions.csv": "21b11ded6cedfe77bf99d1dbbfd0d48f",
        "transactions.csv": "c87df6b8ce35866d79ce91f543add866",
    },
    (9, 48, 7, "2019-12"): {
        "ground_truth.json": "76de5cc9cefbac01231a4712dfd09461",
        "monthly.csv": "564d19abd95db5fe667a6ea89f126262",
        "sample_monthly_data.csv": "d4b74b6729b21d76c02bb335baffc8c4",
        "sample_transactions.csv": "554c787ef94a14d327b63f88e89cbcec",
        "transactions.csv": "de4b73a7b63f634a1c05db8a7bf38d42",
    },
    (50, 3, 8, "2023-07"): {
        "ground_truth.json": "09992febde284119b86ef6e09728bfec",
        "monthly.csv": "f0c9a8e48a7964e25b80641742e3b7ae",
        "sample_monthly_data.csv": "a0b6310c3a2cd04a9b094d0fe5defeb9",
        "sample_transactions.csv": "a1d6a90bf22c1515c702cd11f06619bd",
        "transactions.csv": "685885067bc3518124059386b0e1790d",
    },
    (15, 25, 2024, "2021-03"): {
        "ground_truth.json": "df76e1b2146f2b2c4b216474f9f8647a",
        "monthly.csv": "efa6ea9503ee6b83618e1924c90fefc9",
        "sample_monthly_data.csv": "88de85a9940fdfa69d30360495afb02f",
        "sample_transactions.csv": "0aba80213bdeb03783963159c309b4cc",
        "transactions.csv": "8fd6157840caa3ec362871270725ef25",
    },
}


@pytest.mark.parametrize("config", list(GOLDEN), ids=lambda c: "-".join(map(str, c)))
def test_files_match_their_golden_digests(
    config: tuple[int, int, int, str], tmp_path: Path
) -> None:
    write_households(generate_households(*config), tmp_path)
    digests = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:32] for p in sorted(tmp_path.iterdir())
    }
    assert digests == GOLDEN[config]


GOLDEN_WITH_EVENTS = {
    "ground_truth.json": "f99667014f98c7a913598414edbb791f",
    "monthly.csv": "825e7b5df709771039bf80d51699fb8d",
    "sample_monthly_data.csv": "14573432649f1ef54ac2956b4c0fe20c",
    "sample_transactions.csv": "ca074c70e880efba8504c57dca0b141d",
    "transactions.csv": "0027781acfda479768cfaedf44b7f04a",
}


def test_files_with_detector_events_match_their_golden_digests(tmp_path: Path) -> None:
    config = (12, 24, 3, "2023-01")
    write_households(generate_households(*config, detector_events=True), tmp_path)
    digests = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:32] for p in sorted(tmp_path.iterdir())
    }
    assert digests == GOLDEN_WITH_EVENTS
    # the events are rows of their own, so the transactions file differs from the plain run
    assert digests["transactions.csv"] != GOLDEN[config]["transactions.csv"]
