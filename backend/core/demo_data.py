"""The demo's early-years fund and its bids, as data (the seed command applies it through the
services). Every organisation, person, place and figure here is fictional; the evidence sources
are real published programmes and reviews, cited as an applicant would.

Amounts are in pence. Checklist items are referred to by their position, from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FUND_NAME = "Transforming Early Years"
FUND_LOCALITY = "Riverside"
FUND_BUDGET_PENCE = 30_000_000  # £300,000
POT_LANGUAGE = "Speech, language and communication"
POT_PARENT_INFANT = "Parent and infant mental health"
FUND_POTS: tuple[tuple[str, int], ...] = (
    (POT_LANGUAGE, 8_000_000),  # £80,000
    (POT_PARENT_INFANT, 6_000_000),  # £60,000
)
FUND_PURPOSE = (
    "Give every child in Riverside the best start in life. Children here are less likely than "
    "children elsewhere in Northbridge to reach a good level of development by the end of "
    "Reception, and the gap opens long before school: in talking, in play, and in the "
    "wellbeing of their parents. The panel wants community services that reach families early "
    "and stay close to them - groups, peer support and home learning that families choose to "
    "come back to - and that add to health visiting, children's centres and funded childcare "
    "rather than replace them."
)
FUND_AGE_MIN = 0
FUND_AGE_MAX = 5
FUND_NEEDS = ("sen", "disability", "mental_health", "low_income", "english_language")
FUND_DISADVANTAGE_CRITERIA = (
    "Priority for families living in the 20% most deprived neighbourhoods in England (Index of "
    "Multiple Deprivation 2019, lower-layer super output areas in the Riverside wards); families "
    "whose two-year-old is eligible for funded early education; families in temporary "
    "accommodation; parents under 20; Gypsy, Roma and Traveller families; families who have "
    "arrived in the UK in the last three years; and children with an emerging or identified "
    "special educational need or disability."
)
FUND_CHECKLIST: tuple[str, ...] = (
    "The applicant is a charity, social enterprise, community benefit society or constituted "
    "community group, with a UK registration number where it has one.",
    "The service is for children aged 0 to 5 and their parents or carers.",
    "The service is delivered in Riverside, or mainly for families who live there.",
    "The amount requested is between £5,000 and £60,000, for delivery within 12 months of the award.",
    "The organisation has a safeguarding policy, a named designated safeguarding lead and enhanced "
    "DBS checks for everyone who works with children.",
    "The service adds to statutory services (health visiting, funded early education) and does "
    "not replace them.",
)
# The decision rule: the Method of Equal Shares, completed by add1 (see backend.tally.rules).
FUND_RULE = ("mes", "add1")

# The timeline, relative to the day the demo is seeded, as (days from today, London hour, minute).
# Bids close at the moment of seeding (the officer closes them once the seeded bids are in).
TIMELINE_BIDS_OPEN = (-28, 9, 0)
TIMELINE_SCORING_STARTS = (14, 9, 0)
TIMELINE_VOTING_OPENS = (35, 9, 0)
TIMELINE_VOTING_CLOSES = (49, 17, 0)
TIMELINE_DECISION = (56, 12, 0)


@dataclass(frozen=True)
class DemoOrganisation:
    """A fictional organisation and the one applicant who registers it."""

    key: str
    applicant_email: str
    applicant_name: str
    name: str
    legal_form: str
    address_line_1: str
    postcode: str
    contact_email: str
    company_number: str = ""
    charity_number: str = ""
    society_number: str = ""
    town: str = "Northbridge"
    website: str = ""


# The two organisations the seed already registers (keys used by the bids below).
EXISTING_ORGANISATIONS = {
    "riverside_play": ("applicant1@demo.fairfund.local", "Riverside Play CIC"),
    "hillcrest_trust": ("applicant2@demo.fairfund.local", "Hillcrest Family Trust"),
}

ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        key="little_voices",
        applicant_email="nadia@littlevoices.example.org",
        applicant_name="Nadia Rahman",
        name="Little Voices Speech and Language CIC",
        legal_form="cic",
        company_number="13579246",
        address_line_1="Unit 3, Wharf Studios, Canal Street",
        postcode="NB1 3HX",
        contact_email="hello@littlevoices.example.org",
        website="https://littlevoices.example.org",
    ),
    DemoOrganisation(
        key="bumps_buggies",
        applicant_email="hannah@bumpstobuggies.example.org",
        applicant_name="Hannah Kowalczyk",
        name="Bumps to Buggies Peer Support",
        legal_form="cio",
        charity_number="1187654",
        address_line_1="Riverside Community Centre, 12 Ferry Road",
        postcode="NB1 2FR",
        contact_email="team@bumpstobuggies.example.org",
    ),
    DemoOrganisation(
        key="dads_collective",
        applicant_email="marcus@northbridgedads.example.org",
        applicant_name="Marcus Bennett",
        name="Northbridge Dads Collective",
        legal_form="clg",
        company_number="11223344",
        address_line_1="The Boathouse, 2 Towpath Walk",
        postcode="NB1 4TW",
        contact_email="info@northbridgedads.example.org",
    ),
    DemoOrganisation(
        key="muddy_boots",
        applicant_email="ffion@muddyboots.example.org",
        applicant_name="Ffion Hughes",
        name="Muddy Boots Outdoor Learning CIC",
        legal_form="cic",
        company_number="12987654",
        address_line_1="Orchard Cottage, Riverside Park",
        postcode="NB1 5PK",
        contact_email="play@muddyboots.example.org",
    ),
    DemoOrganisation(
        key="open_doors",
        applicant_email="milena@opendoorstrust.example.org",
        applicant_name="Milena Dumitru",
        name="Open Doors Roma and Traveller Education Trust",
        legal_form="charity",
        charity_number="1145678",
        address_line_1="41 Station Parade",
        postcode="NB1 1SP",
        contact_email="office@opendoorstrust.example.org",
    ),
    DemoOrganisation(
        key="ripple_send",
        applicant_email="grace@ripplesend.example.org",
        applicant_name="Grace Okafor",
        name="Ripple SEND Families Co-operative",
        legal_form="cbs",
        society_number="31234R",
        address_line_1="Ripple House, 8 Weaver Street",
        postcode="NB1 2WS",
        contact_email="hello@ripplesend.example.org",
    ),
)

State = Literal["draft", "submitted", "withdrawn", "eligible", "ineligible"]
Outcome = Literal["pass", "fail", "not_applicable"]


@dataclass(frozen=True)
class DemoBid:
    """A bid and the state the seed brings it to.

    ``declarations`` None accepts every declaration for a bid that is submitted, none for a
    draft; a tuple accepts only those codes.
    ``screening`` gives (outcome, reason) for checklist items 1, 2, ... (fewer items: screening
    under way); ``decision_reason`` is the officer's reason for the eligible/ineligible decision.
    """

    organisation: str
    state: State
    title: str
    summary: str = ""
    need: str = ""
    population_served: str = ""
    outcomes: str = ""
    evidence_level: int | None = None
    evidence_sources: str = ""
    delivery_plan: str = ""
    beneficiaries: int | None = None
    partners: str = ""
    named_staff: str = ""
    pot: str | None = None
    budget: tuple[tuple[str, int], ...] = ()
    declarations: tuple[str, ...] | None = None
    screening: tuple[tuple[Outcome, str], ...] = field(default=())
    decision_reason: str = ""


def _screened(
    registered: str,
    ages: str,
    where: str,
    amount: str,
    safeguarding: str = "Safeguarding policy dated this year; designated lead named; enhanced DBS "
    "checks confirmed for all named staff.",
    statutory: str = "Complements health visiting and funded early education; the 0-19 service "
    "confirmed it does not duplicate their offer.",
) -> tuple[tuple[Outcome, str], ...]:
    """Every item passed, with the officer's reason for each."""
    return (
        ("pass", registered),
        ("pass", ages),
        ("pass", where),
        ("pass", amount),
        ("pass", safeguarding),
        ("pass", statutory),
    )


BIDS: tuple[DemoBid, ...] = (
    DemoBid(
        organisation="little_voices",
        state="eligible",
        pot=POT_LANGUAGE,
        title="Chatterbox: speech and language groups for two-year-olds",
        summary=(
            "Weekly small-group speech, language and communication sessions for two-year-olds "
            "whose health visitor review shows early signs of language delay, with a parent at "
            "every session and a take-home activity pack. Four ten-week blocks a year at the "
            "Riverside Family Hub and St Saviour's church hall, led by a speech and language "
            "therapist with two early years practitioners, one of them bilingual."
        ),
        need=(
            "In Riverside 38% of children did not reach the expected level in communication and "
            "language at the end of Reception in 2025, against 20% across England. The wait for "
            "community speech and language therapy for under-fives is 34 weeks, and health "
            "visitors tell us most of the children they refer need support at home and in a "
            "group rather than specialist therapy. Early language is the strongest predictor of "
            "later reading and of readiness for school, and the gap opens before age three."
        ),
        population_served=(
            "Children aged 2 to 3 living in the Riverside wards whose Ages and Stages (ASQ-3) "
            "review or WellComm screen shows emerging language delay, and their parents or "
            "carers. We expect about half of the families to be eligible for funded two-year-old "
            "childcare and a third to speak a language other than English at home, mostly "
            "Bengali, Sylheti, Polish and Romanian."
        ),
        outcomes=(
            "80% of children who complete a block move up at least one WellComm band within 12 "
            "weeks. 75% of parents report using at least three new language strategies at home "
            "(questionnaire before and after). Fewer onward referrals to specialist therapy for "
            "children whose delay is environmental. A WellComm-trained practitioner in each of "
            "the nine nurseries in Riverside by the end of the year."
        ),
        evidence_level=3,
        evidence_sources=(
            "Education Endowment Foundation, Early Years Toolkit: communication and language "
            "approaches (about six months' additional progress, extensive evidence). Speech and "
            "Language UK, Talk Boost Early Years evaluation (2022), with a comparison group. Our "
            "own 2024-25 pilot in Hillcrest: 64 children screened before and after, compared "
            "with a waiting-list group."
        ),
        delivery_plan=(
            "Months 1-2: agree the referral pathway with the 0-19 health visiting team and the "
            "Family Hub; train two practitioners in WellComm. Months 2-12: four blocks of ten "
            "weekly 90-minute sessions, two groups of eight children per block (64 places). Each "
            "session: child-led play with adult modelling, coaching for parents, and snack-time "
            "conversation. A home visit for any family that misses two sessions. Months 11-12: "
            "evaluation report to the panel."
        ),
        beneficiaries=64,
        partners=(
            "Northbridge 0-19 Health Visiting Service (referrals); Riverside Family Hub (venue); "
            "St Saviour's Church (venue); Northbridge Libraries (a book for every child)."
        ),
        named_staff=(
            "Nadia Rahman, speech and language therapist (HCPC registered), project lead, 0.4 "
            "FTE; Joe Adeyemi, early years practitioner (Level 3), 0.6 FTE; Lucy Tran, bilingual "
            "early years practitioner, 0.4 FTE."
        ),
        budget=(
            ("Speech and language therapist, 0.4 FTE for 12 months", 1_680_000),
            ("Early years practitioner, 0.6 FTE for 12 months", 1_440_000),
            ("Bilingual early years practitioner, 0.4 FTE for 12 months", 920_000),
            ("Venue hire: 80 sessions at £35", 280_000),
            ("WellComm licence and practitioner training", 145_000),
            ("Take-home activity packs and books, 64 families", 140_800),
            ("Travel for home visits", 60_000),
            ("Evaluation and management (8%)", 370_000),
        ),
        screening=_screened(
            "Community interest company GB-COH-13579246, active on the Companies House register.",
            "Children aged 2 to 3 and their parents.",
            "Both venues are in Riverside (NB1); referrals come from Riverside health visitors.",
            "£50,358 requested from the speech, language and communication pot; 12 months.",
        ),
        decision_reason="Meets every item of the checklist.",
    ),
    DemoBid(
        organisation="little_voices",
        state="draft",
        pot=POT_LANGUAGE,
        title="Talking Together: early language training for childminders",
        summary=(
            "Six evening workshops and two coaching visits for each of 30 Riverside "
            "childminders, so the youngest children in home-based care get the same rich "
            "language environment as those in nurseries."
        ),
        need=(
            "A quarter of funded two-year-olds in Riverside are with childminders, who have had "
            "no local early language training since 2019."
        ),
        population_served=(
            "Registered childminders in Riverside and the roughly 120 children aged 0 to 5 they "
            "care for."
        ),
        outcomes=(
            "Every childminder completes an early language audit of their setting and an action "
            "plan; observed adult-child interaction improves on the Sustained Shared Thinking "
            "and Emotional Wellbeing (SSTEW) scale at the second coaching visit."
        ),
        evidence_level=2,
        evidence_sources=(
            "EEF, Early Years Toolkit: professional development. Our Chatterbox pilot data on "
            "practitioner confidence."
        ),
        delivery_plan=(
            "Two cohorts of 15 childminders, each with six evening workshops over a term and two "
            "coaching visits in the setting."
        ),
        beneficiaries=120,
        named_staff="Nadia Rahman, speech and language therapist, 0.2 FTE.",
        budget=(
            ("Speech and language therapist, 0.2 FTE for 9 months", 630_000),
            ("Workshop venue and refreshments", 96_000),
            ("Childminder cover payments, 30 x 2 visits at £40", 240_000),
            ("Resource boxes for settings", 150_000),
        ),
        # Still to confirm the insurance: the draft cannot be submitted yet.
        declarations=("accurate", "authorised", "safeguarding", "conflicts", "publication"),
    ),
    DemoBid(
        organisation="bumps_buggies",
        state="eligible",
        pot=POT_PARENT_INFANT,
        title="Side by Side: perinatal peer support for Riverside parents",
        summary=(
            "Trained volunteer peer supporters, all parents who have lived through perinatal "
            "anxiety or depression themselves, matched one to one with expectant and new parents "
            "from 28 weeks of pregnancy until the baby turns one, alongside two weekly drop-in "
            "groups with a creche."
        ),
        need=(
            "Up to one in five women and one in ten men have a mental health problem in "
            "pregnancy or the first year after birth. In Riverside, referrals to the specialist "
            "perinatal mental health team rose by 40% in two years, yet health visitors report "
            "that many parents with mild to moderate difficulties fall below its threshold and "
            "receive nothing. Isolation is the most common thing parents tell us about."
        ),
        population_served=(
            "Expectant and new parents in Riverside with, or at risk of, mild to moderate "
            "perinatal anxiety or depression, and their babies (0 to 12 months), with priority "
            "for parents under 20, parents in temporary accommodation and parents new to the UK."
        ),
        outcomes=(
            "60 parents matched with a peer supporter; 70% show a reduction of at least five "
            "points on the Edinburgh Postnatal Depression Scale after six months; 80% report "
            "feeling less isolated; every parent who needs more is helped to reach talking "
            "therapies or the specialist team."
        ),
        evidence_level=2,
        evidence_sources=(
            "NICE guideline CG192, Antenatal and postnatal mental health (2014, updated 2020). "
            "Maternal Mental Health Alliance, Everyone's Business campaign resources. McLeish "
            "and Redshaw (2017), Mothers' accounts of the impact of volunteer peer support, BMC "
            "Pregnancy and Childbirth. Our 2025 annual outcomes report (EPDS before and after)."
        ),
        delivery_plan=(
            "Recruit and train 16 volunteer peer supporters over ten sessions (OCN Level 2). "
            "Referrals from midwives, health visitors and self-referral. Weekly one-to-one "
            "contact for up to a year; Tuesday and Friday drop-ins at the Riverside Community "
            "Centre with a creche. Monthly clinical supervision from a perinatal psychologist."
        ),
        beneficiaries=120,
        partners=(
            "Northbridge Maternity Unit; 0-19 Health Visiting Service; Northbridge Talking "
            "Therapies; Riverside Community Centre."
        ),
        named_staff=(
            "Hannah Kowalczyk, peer support coordinator, 0.8 FTE; Dr Aisha Malik, clinical "
            "psychologist, supervision (sessional)."
        ),
        budget=(
            ("Peer support coordinator, 0.8 FTE for 12 months", 2_400_000),
            ("Clinical supervision, 12 sessions", 360_000),
            ("Volunteer training (OCN Level 2) for 16 volunteers", 480_000),
            ("Volunteer expenses and DBS checks", 310_000),
            ("Creche workers for two weekly groups", 520_000),
            ("Venue hire", 185_000),
        ),
        screening=_screened(
            "Charitable incorporated organisation GB-CHC-1187654, on the Charity Commission "
            "register.",
            "Expectant and new parents and babies up to one year old.",
            "Groups at the Riverside Community Centre; referrals limited to Riverside postcodes.",
            "£42,550 requested from the parent and infant mental health pot; 12 months.",
            statutory="Adds to the specialist perinatal team; the team confirmed it will step "
            "down parents to the service.",
        ),
        decision_reason="Meets every item of the checklist.",
    ),
    DemoBid(
        organisation="bumps_buggies",
        state="draft",
        title="Bump Buddies: antenatal groups for young parents",
        summary=(
            "A six-week antenatal group for parents under 20, run by young parents who have been "
            "through it, with a baby-bag and a named peer supporter afterwards."
        ),
    ),
    DemoBid(
        organisation="dads_collective",
        state="submitted",
        pot=POT_PARENT_INFANT,
        title="Dads Matter: fathers' groups from bump to school gate",
        summary=(
            "A Saturday morning group for dads and male carers with children under five, an "
            "antenatal session for expectant fathers at the maternity unit every month, and a "
            "WhatsApp peer network moderated by trained volunteers."
        ),
        need=(
            "Fathers are rarely seen by early years services: only 9% of attendances at Riverside "
            "children's centre groups last year were by men. Paternal depression affects about "
            "one in ten new fathers and is linked to poorer outcomes for children, yet few "
            "fathers seek help. Dads in Riverside told us they want something practical, at the "
            "weekend, with other dads."
        ),
        population_served=(
            "Fathers, expectant fathers and male carers of children aged 0 to 5 in Riverside, "
            "including non-resident fathers, young fathers and dads in work during the week."
        ),
        outcomes=(
            "150 fathers attend at least three sessions; 70% report more confidence in caring "
            "for their child and 60% more time spent playing and reading with them (survey at "
            "entry and after three months); fathers who screen positive for low mood are "
            "supported to see their GP or Talking Therapies."
        ),
        evidence_level=2,
        evidence_sources=(
            "Fatherhood Institute, Fathers and their children's development (research summary). "
            "Paulson and Bazemore (2010), Prenatal and postpartum depression in fathers, JAMA. "
            "Attendance and survey data from our two years of Saturday groups in Hillcrest."
        ),
        delivery_plan=(
            "46 Saturday sessions a year at the Riverside Family Hub (stay-and-play, cooking "
            "together, outdoor play); 12 antenatal sessions with the maternity unit; a "
            "volunteer-moderated chat group; quarterly family days open to mums and siblings."
        ),
        beneficiaries=150,
        partners="Riverside Family Hub; Northbridge Maternity Unit; Northbridge Rugby Club.",
        named_staff=(
            "Marcus Bennett, dads' worker, 0.5 FTE; Tom Okonkwo, volunteer coordinator, 0.2 FTE."
        ),
        budget=(
            ("Dads' worker, 0.5 FTE for 12 months", 1_350_000),
            ("Volunteer coordinator, 0.2 FTE", 480_000),
            ("Sessions: materials, food and activities", 320_000),
            ("Family days, four a year", 160_000),
            ("Publicity and outreach", 80_000),
        ),
    ),
    DemoBid(
        organisation="muddy_boots",
        state="withdrawn",
        title="Wild Tots: outdoor nursery sessions in Riverside Park",
        summary=(
            "Forest-school style sessions for under-threes and their carers, twice a week in "
            "the woodland corner of Riverside Park, with waterproofs lent to every family."
        ),
        need=(
            "Three in five Riverside households with young children live in flats without a "
            "garden; outdoor play is linked to better physical development and language."
        ),
        population_served="Children aged 1 to 3 and their parents or carers in Riverside.",
        outcomes=(
            "90 families attend at least six sessions; carers report more outdoor play at home."
        ),
        evidence_level=1,
        evidence_sources=(
            "Natural England, Children's People and Nature Survey (2022); our own theory of change."
        ),
        delivery_plan=(
            "Two 90-minute sessions a week for 40 weeks, led by a Level 3 forest school leader "
            "and an assistant, with a shelter and compost toilet on site."
        ),
        beneficiaries=90,
        named_staff="Ffion Hughes, forest school leader (Level 3), 0.4 FTE.",
        budget=(
            ("Forest school leader, 0.4 FTE for 10 months", 1_000_000),
            ("Session assistant", 620_000),
            ("Shelter, compost toilet and site set-up", 540_000),
            ("Waterproofs and boots to lend, 40 sets", 300_000),
        ),
        # Withdrawn after submission: the park's landowner did not agree to the site in time.
    ),
    DemoBid(
        organisation="open_doors",
        state="eligible",
        title="Learning Together at Home: Roma and Traveller families",
        summary=(
            "Weekly home-learning visits and a fortnightly group for Roma, Gypsy and Traveller "
            "families with children under five, using the PEEP Learning Together Programme, "
            "delivered by a Romanian- and Romanes-speaking practitioner and a Traveller "
            "community worker."
        ),
        need=(
            "Gypsy, Roma and Traveller children have the lowest rates of a good level of "
            "development of any group in England, and take-up of funded early education by "
            "Roma and Traveller families in Riverside is under 30%. Families tell us services "
            "feel unwelcoming, paperwork is a barrier and they are rarely visited by someone who "
            "speaks their language or knows their community."
        ),
        population_served=(
            "About 45 Roma families in the Station Parade area and 15 Traveller families on the "
            "Ferry Lane site, with children aged 0 to 5."
        ),
        outcomes=(
            "40 families complete at least 20 home-learning visits; 80% of their two- and "
            "three-year-olds take up a funded early education place; parents report more "
            "shared reading, talk and play at home (PEEP progress record); every child is "
            "registered with a GP and up to date with the health visitor reviews."
        ),
        evidence_level=3,
        evidence_sources=(
            "Evangelou and Sylva (2003), The effects of the Peers Early Education Partnership "
            "(PEEP) on children's developmental progress, DfES Research Report 489 (comparison "
            "group). Peeple, Learning Together Programme. Department for Education, Early years "
            "foundation stage profile results by ethnicity (2024). Friends, Families and "
            "Travellers, briefings on early years access."
        ),
        delivery_plan=(
            "A practitioner and a community worker, both trained PEEP facilitators, visit each "
            "family weekly for 30 weeks; a fortnightly group at the Station Parade community "
            "room with a health visitor present once a month; help with early education "
            "applications and GP registration; a celebration and next-steps plan with each "
            "family."
        ),
        beneficiaries=60,
        partners=(
            "Peeple (training and licence); Northbridge Early Years Team; 0-19 Health Visiting "
            "Service; Ferry Lane site residents' group."
        ),
        named_staff=(
            "Milena Dumitru, early years practitioner (Romanian and Romanes), 0.8 FTE; Bridget "
            "Doherty, Traveller community worker, 0.5 FTE."
        ),
        budget=(
            ("Early years practitioner, 0.8 FTE for 12 months", 2_224_000),
            ("Traveller community worker, 0.5 FTE for 12 months", 1_250_000),
            ("PEEP facilitator training and licence, two staff", 390_000),
            ("Home-learning resources and books, 60 families", 360_000),
            ("Community room hire, 26 groups", 156_000),
            ("Interpreting and translated materials", 180_000),
            ("Travel", 160_000),
        ),
        screening=_screened(
            "Registered charity GB-CHC-1145678, on the Charity Commission register.",
            "Children aged 0 to 5 and their parents.",
            "Station Parade and the Ferry Lane site are both in Riverside.",
            "£47,200 requested from the fund; 12 months.",
        ),
        decision_reason="Meets every item of the checklist.",
    ),
    DemoBid(
        organisation="ripple_send",
        state="submitted",
        title="Inclusion Partners: SEND inclusion in early years settings",
        summary=(
            "A SEND inclusion practitioner and parent-carer partners who work alongside "
            "Riverside nurseries, childminders and families of under-fives with emerging "
            "special educational needs, so children can take up and keep their place while they "
            "wait for assessment."
        ),
        need=(
            "Nurseries in Riverside report that children with emerging needs are more likely to "
            "have their hours cut or to leave their place, and that waits for the local "
            "authority's early years SEND advisory service are over six months. Parent-carers "
            "tell us the time before a diagnosis is the loneliest."
        ),
        population_served=(
            "Children aged 0 to 5 in Riverside with emerging or identified special educational "
            "needs or disabilities, their parent-carers and the settings they attend."
        ),
        outcomes=(
            "45 children keep or take up their early education place with an agreed support "
            "plan; 20 settings receive in-room coaching; 80% of parent-carers report feeling "
            "more confident and less alone (survey); Portage home visits for 15 families of "
            "children with the most complex needs."
        ),
        evidence_level=3,
        evidence_sources=(
            "National Portage Association, Portage model and evaluation summaries. Education "
            "Endowment Foundation, Special Educational Needs in Mainstream Schools (2020). "
            "Contact, Counting the Costs (2023) on parent-carers' wellbeing."
        ),
        delivery_plan=(
            "A Portage-trained inclusion practitioner works in settings two days a week and on "
            "home visits two days; two paid parent-carer partners run a monthly peer group and "
            "join setting meetings; termly inclusion network for Riverside settings."
        ),
        beneficiaries=75,
        partners=(
            "Northbridge Parent Carer Forum; Riverside nurseries network; Northbridge Early "
            "Years SEND Advisory Service."
        ),
        named_staff=(
            "Grace Okafor, inclusion practitioner (Portage trained, Level 5), 0.8 FTE; Sarah "
            "Whitfield and Imran Chaudhry, parent-carer partners, 0.2 FTE each."
        ),
        budget=(
            ("Inclusion practitioner, 0.8 FTE for 12 months", 2_560_000),
            ("Parent-carer partners, 2 x 0.2 FTE", 960_000),
            ("Portage training and materials", 420_000),
            ("Sensory and adapted play equipment to lend to settings", 650_000),
            ("Peer group venue and creche", 390_000),
            ("Management and evaluation", 600_000),
        ),
        # Screening is under way: the first three items are done.
        screening=(
            (
                "pass",
                "Community benefit society GB-MPR-31234R, on the FCA Mutuals Public Register.",
            ),
            ("pass", "Children aged 0 to 5 with SEND, their parent-carers and their settings."),
            ("pass", "Settings and families in Riverside."),
        ),
    ),
    DemoBid(
        organisation="riverside_play",
        state="submitted",
        title="Stay and Play at the Mill",
        summary=(
            "Three free stay-and-play sessions a week for babies, toddlers and their parents or "
            "carers at the Mill Lane play centre, with a family worker at each session who can "
            "help with anything from sleep to housing forms."
        ),
        need=(
            "Since the Mill Lane children's centre closed in 2023 there has been no free "
            "drop-in group for under-fives in the north of Riverside. Health visitors meet "
            "isolated parents - many in temporary accommodation on Canal Street - with nowhere "
            "to send them."
        ),
        population_served=(
            "Children aged 0 to 5 and their parents or carers in north Riverside, particularly "
            "families in temporary accommodation and families new to the area."
        ),
        outcomes=(
            "200 families attend at least once and 80 attend regularly; parents report less "
            "isolation and more ideas for play at home; 50 families are helped to another "
            "service (childcare places, health visiting, benefits advice, housing)."
        ),
        evidence_level=2,
        evidence_sources=(
            "Action for Children, The value of stay and play (2021). Sylva et al., Effective "
            "Pre-school, Primary and Secondary Education (EPPSE) project: the home learning "
            "environment. Our registers and parent surveys from 2022 to 2025."
        ),
        delivery_plan=(
            "Monday, Wednesday and Friday mornings, 46 weeks a year, for up to 20 families each "
            "session: free play, a story and song time, healthy snack. The family worker keeps "
            "a light-touch record of help given and onward referrals."
        ),
        beneficiaries=200,
        partners="Northbridge Housing Options; Riverside Food Bank; 0-19 Health Visiting Service.",
        named_staff=(
            "Priya Applicant, play centre manager, 0.2 FTE; Dan Moreno, family worker, 0.6 FTE."
        ),
        budget=(
            ("Family worker, 0.6 FTE for 12 months", 1_620_000),
            ("Play worker for 138 sessions", 745_200),
            ("Manager time, 0.2 FTE", 600_000),
            ("Healthy snacks and play materials", 276_000),
            ("Cleaning and utilities share", 180_000),
        ),
    ),
    DemoBid(
        organisation="riverside_play",
        state="draft",
        pot=POT_LANGUAGE,
        title="Baby Bookworms: rhyme time and book gifting",
        summary=(
            "A weekly rhyme and story time for babies under 18 months and their parents, with a "
            "free book each month and a lending library of dual-language books."
        ),
        need=(
            "Fewer than half of Riverside parents of babies say they read or sing with their "
            "baby every day (our 2025 survey of 140 parents)."
        ),
        population_served="Babies aged 0 to 18 months and their parents or carers in Riverside.",
        outcomes="",
        evidence_level=2,
        evidence_sources="BookTrust, Bookstart evaluations.",
    ),
    DemoBid(
        organisation="hillcrest_trust",
        state="ineligible",
        title="Hillcrest Saturday Family Club",
        summary=(
            "A Saturday family club at the Hillcrest Family Hub with play, a cooked lunch and "
            "advice sessions for families with young children."
        ),
        need=("Families in Hillcrest have no weekend provision, and many parents work weekdays."),
        population_served="Families with children aged 0 to 5 living in Hillcrest.",
        outcomes=(
            "60 families attend at least five times; 80% of parents say the club helped them "
            "feel part of the community."
        ),
        evidence_level=2,
        evidence_sources="Our attendance records and parent feedback, 2024-25.",
        delivery_plan="40 Saturdays a year, 10:00 to 13:00, at the Hillcrest Family Hub.",
        beneficiaries=60,
        partners="Hillcrest Primary School; Northbridge Community Larder.",
        named_staff="Sam Applicant, family support manager, 0.4 FTE.",
        budget=(
            ("Family support manager, 0.4 FTE", 1_240_000),
            ("Play workers for 40 Saturdays", 640_000),
            ("Food and cooking", 320_000),
            ("Hub opening costs on Saturdays", 260_000),
        ),
        screening=(
            ("pass", "Registered charity GB-CHC-1123456, on the Charity Commission register."),
            ("pass", "Families with children aged 0 to 5."),
            (
                "fail",
                "Every session is at the Hillcrest Family Hub (NB4) for Hillcrest families; the "
                "fund serves Riverside and the bid has no plan to reach Riverside families.",
            ),
            ("pass", "£24,600 requested; 12 months."),
            (
                "pass",
                "Safeguarding policy dated this year; designated lead named; enhanced DBS "
                "checks confirmed for all named staff.",
            ),
            ("pass", "Does not replace a statutory service."),
        ),
        decision_reason=(
            "Outside the fund's locality. The panel encourages the trust to talk to the council "
            "about the Hillcrest fund planned for next year."
        ),
    ),
    DemoBid(
        organisation="hillcrest_trust",
        state="ineligible",
        title="Reading Rockets: after-school reading club",
        summary=(
            "An after-school reading club at Riverside Primary School with volunteer reading "
            "buddies, for children who are behind in reading."
        ),
        need=(
            "A third of Year 2 pupils at Riverside Primary did not meet the expected standard "
            "in the phonics screening check."
        ),
        population_served="Children aged 5 to 11 at Riverside Primary School.",
        outcomes=(
            "40 children attend weekly for a term; 70% improve their reading age by at least "
            "six months."
        ),
        evidence_level=3,
        evidence_sources=(
            "Education Endowment Foundation, Teaching and Learning Toolkit: reading "
            "comprehension strategies and one-to-one tuition."
        ),
        delivery_plan=(
            "Two afternoons a week in term time, 90 minutes, with 12 trained volunteer reading "
            "buddies and a qualified teacher."
        ),
        beneficiaries=40,
        partners="Riverside Primary School; Northbridge Libraries.",
        named_staff="Sam Applicant, family support manager; Ruth Ellis, teacher (sessional).",
        budget=(
            ("Sessional teacher, 76 sessions", 912_000),
            ("Volunteer training and expenses", 180_000),
            ("Books and reading materials", 150_000),
        ),
        screening=(
            ("pass", "Registered charity GB-CHC-1123456, on the Charity Commission register."),
            (
                "fail",
                "The club is for children aged 5 to 11 at primary school; the fund serves "
                "children aged 0 to 5.",
            ),
            ("pass", "Delivered at Riverside Primary School."),
            ("pass", "£12,420 requested; one school year."),
            (
                "pass",
                "Safeguarding policy dated this year; designated lead named; enhanced DBS "
                "checks confirmed for all named staff.",
            ),
            (
                "not_applicable",
                "Not assessed further: the bid is for school-age children.",
            ),
        ),
        decision_reason="The bid is for school-age children, outside the fund's population.",
    ),
)
