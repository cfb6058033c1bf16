"""What the demo's grant rounds ask and score, and who applied: plain data for ``loader``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rounds.models import EligibilityKind, QuestionKind

# The same four eligibility questions, four application questions and three criteria serve both
# rounds; only the income limit and the weights differ.


def eligibility_questions(income_limit: int) -> list[dict]:
    return [
        {
            "key": "constituted",
            "question": "Is your organisation a constituted body (a charity, company or group with a written constitution)?",
            "kind": EligibilityKind.YES_NO,
            "required_answer": True,
        },
        {
            "key": "safeguarding",
            "question": "Does your organisation have a safeguarding policy, reviewed in the last year?",
            "kind": EligibilityKind.YES_NO,
            "required_answer": True,
        },
        {
            "key": "accounts",
            "question": "Can you send us your last three years of accounts (or all of them, if you are newer)?",
            "kind": EligibilityKind.YES_NO,
            "required_answer": True,
        },
        {
            "key": "income",
            "question": "What was your organisation's income in its last financial year (£)?",
            "kind": EligibilityKind.NUMBER,
            "max_value": Decimal(income_limit),
        },
    ]


APPLICATION_QUESTIONS: tuple[dict, ...] = (
    {
        "key": "need",
        "text": "What is the need your project meets, and how do you know?",
        "kind": QuestionKind.TEXT,
        "hint": "Tell us who is affected and what evidence you have: local figures, referrals, what people told you.",
        "word_limit": 300,
    },
    {
        "key": "outcomes",
        "text": "What difference will the project make, and how will you show it?",
        "kind": QuestionKind.TEXT,
        "hint": "Two or three outcomes you can count or describe at the end of the grant.",
        "word_limit": 250,
    },
    {
        "key": "budget",
        "text": "How will you spend the grant?",
        "kind": QuestionKind.BUDGET,
        "hint": "One line per cost. The lines should add up to the amount you ask for.",
    },
    {
        "key": "start_date",
        "text": "When would the project start?",
        "kind": QuestionKind.DATE,
    },
)


def criteria(weights: tuple[int, int, int]) -> list[dict]:
    need, delivery, value = weights
    return [
        {
            "key": "need",
            "text": "Evidence of need",
            "guidance": "5: local evidence and the people affected are clear. 1: the need is asserted, not shown.",
            "weight": Decimal(need),
        },
        {
            "key": "delivery",
            "text": "Deliverability",
            "guidance": "5: a realistic plan, the right people and partners in place. 1: no plan for how it happens.",
            "weight": Decimal(delivery),
        },
        {
            "key": "value",
            "text": "Value for money",
            "guidance": "5: every cost explained and reasonable for what it achieves. 1: costs unexplained.",
            "weight": Decimal(value),
        },
    ]


@dataclass(frozen=True)
class DemoApplication:
    organisation: str
    charity_number: str  # "" for an unincorporated group
    postcode: str
    title: str
    amount: int
    income: int
    need: str
    outcomes: str
    scores: tuple[int, int, int]  # need, delivery, value: the officer's; the others' vary a little


# The Community Safety Fund's applications, in the order they were submitted. The last one's
# income is over the round's £1,000,000 limit, so screening found it not eligible.
CSF_APPLICATIONS: tuple[DemoApplication, ...] = (
    DemoApplication(
        "Seaham Harbour Youth Project",
        "1154821",
        "SR7 7AE",
        "Friday night youth sessions on the seafront",
        4800,
        142000,
        "Calls about anti-social behaviour on Seaham seafront double on Friday nights between May and "
        "September. The young people involved told our detached workers there is nowhere to go.",
        "Forty young people attend at least six sessions; fewer Friday night calls about the seafront.",
        (5, 4, 4),
    ),
    DemoApplication(
        "Stanley Street Angels",
        "1178342",
        "DH9 0NA",
        "Street Angels in Stanley town centre on weekend nights",
        4500,
        38500,
        "Stanley's night-time economy has no late transport; people left stranded are at risk of harm "
        "and of crime. Door staff and police ask us for more nights than we can cover.",
        "Volunteers out every Friday and Saturday; the people helped home or to care counted each night.",
        (4, 4, 5),
    ),
    DemoApplication(
        "Consett Neighbourhood Watch Association",
        "",
        "DH8 5XP",
        "Doorstep crime and scam awareness for older residents",
        1800,
        6200,
        "Doorstep crime reported in Consett rose last year, and most victims were over 75. Trading "
        "Standards asked us to reach residents who do not use the internet.",
        "Twenty talks at sheltered housing and community centres; 500 call-blocker leaflets handed out.",
        (3, 4, 5),
    ),
    DemoApplication(
        "Peterlee Women's Drop-in",
        "1160455",
        "SR8 1AF",
        "Drop-in support for women affected by domestic abuse",
        5000,
        96000,
        "Referrals from the east Durham MARAC have risen by a third; many women will not go to a "
        "service in Durham city but will come to a drop-in in Peterlee town centre.",
        "Sixty women supported; each has a safety plan; fewer repeat referrals to MARAC.",
        (5, 5, 4),
    ),
    DemoApplication(
        "Spennymoor Amateur Boxing Club",
        "1149902",
        "DL16 6DB",
        "Boxing and mentoring for young people at risk of exploitation",
        4200,
        54000,
        "The local policing team names a group of young people being drawn into county lines. Our "
        "coaches already know several of them through the club.",
        "Twenty-five young people mentored for six months; school attendance tracked with their schools.",
        (4, 3, 3),
    ),
    DemoApplication(
        "Chester-le-Street Men's Shed",
        "1172210",
        "DH3 3QH",
        "Restoring vandalised benches with young volunteers",
        3200,
        18000,
        "Riverside Park's benches and shelters are damaged every month; the council cannot keep up. "
        "Young people on referral orders need supervised reparation work.",
        "Thirty benches restored; ten young people complete their reparation hours with us.",
        (3, 3, 4),
    ),
    DemoApplication(
        "Newton Aycliffe Good Neighbours",
        "1139874",
        "DL5 4DH",
        "Safe and well visits for isolated older people",
        3800,
        61000,
        "Isolated older people in Newton Aycliffe are targeted by scammers and rogue traders; the "
        "fire service and police refer people to us they cannot visit again.",
        "150 visits; home security fitted where needed; referrals onward to victim support.",
        (3, 4, 3),
    ),
    DemoApplication(
        "Bishop Auckland Town Pastors",
        "1181766",
        "DL14 7NR",
        "Town pastors on Friday and Saturday nights",
        2900,
        22000,
        "Bishop Auckland's new bars have brought more people into the town centre at night, and "
        "with them more violence and vulnerability after closing time.",
        "Pastors out every weekend; incidents attended and people helped logged and shared with police.",
        (4, 4, 4),
    ),
    DemoApplication(
        "Ferryhill Community Allotment Group",
        "",
        "DL17 8JJ",
        "Allotment sessions for young people diverted from anti-social behaviour",
        2500,
        9800,
        "Young people have damaged the allotments; we would rather they grew something there.",
        "Young people take part in weekly sessions.",
        (2, 3, 3),
    ),
    DemoApplication(
        "Barnard Castle Rural Crime Watch",
        "",
        "DL12 8EL",
        "Farm and rural property marking events",
        2900,
        12400,
        "Quad bikes, tools and fuel are stolen from farms in Teesdale every month; most are never "
        "recovered because they were never marked.",
        "Eight marking events; 400 items marked and registered; thefts followed with the rural crime team.",
        (3, 3, 3),
    ),
    DemoApplication(
        "Easington Colliery Community Hub",
        "1167042",
        "SR8 3PQ",
        "A safe space and detached outreach for young people in Easington Colliery",
        4600,
        118000,
        "Easington Colliery has the county's highest rate of youth anti-social behaviour calls and "
        "no youth provision since the club closed in 2022.",
        "A drop-in three evenings a week; 80 young people reached by outreach; fewer calls about ASB.",
        (4, 4, 3),
    ),
    DemoApplication(
        "Wear Valley Housing Trust",
        "1120034",
        "DL15 9AB",
        "Estate-based mediation for neighbour disputes",
        5000,
        1450000,
        "Neighbour disputes on our estates in Crook and Willington escalate into anti-social behaviour "
        "and calls to the police.",
        "Sixty disputes mediated; fewer repeat calls to the police from the same addresses.",
        (3, 3, 3),
    ),
)

# Each panel member's scores differ from the officer's by these steps (by application, cycling),
# kept within 1 and the maximum, so the panel's average is not the officer's alone.
MEMBER_VARIATION: dict[str, tuple[tuple[int, int, int], ...]] = {
    "officer": ((0, 0, 0),),
    "board": ((0, -1, 0), (1, 0, 0), (0, 0, 1), (0, 0, 0)),
    "assessor": ((-1, 0, 0), (0, 0, 0), (0, 1, -1)),
}

SCORE_COMMENTS = {
    1: "Not shown.",
    2: "Weak: little evidence given.",
    3: "Adequate.",
    4: "Good, with a few gaps.",
    5: "Strong and well evidenced.",
}
