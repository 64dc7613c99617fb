"""factory_boy factories and helpers to sign people in, with a real TOTP second factor."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from backend.accounts.models import LegalForm, Organisation, RoleGrant, User
from backend.accounts.permissions import Actor
from backend.bids.models import Bid, BudgetLine
from backend.funds.models import Council, Fund, Locality, Panel

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    name = factory.Sequence(lambda n: f"Northbridge Council {n}")
    slug = factory.Sequence(lambda n: f"northbridge-{n}")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")
    ward_codes = factory.LazyFunction(lambda: ["E05011234"])


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Community panel {n}")


class FundFactory(factory.django.DjangoModelFactory):
    """A draft fund, as fund_create leaves it (use the services to set it up)."""

    class Meta:
        model = Fund

    council = factory.SubFactory(CouncilFactory)
    panel = factory.SubFactory(PanelFactory, council=factory.SelfAttribute("..council"))
    name = factory.Sequence(lambda n: f"Transforming Early Years {n}")
    budget_pence = 50_000_000


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Riverside Play CIC {n}")
    legal_form = LegalForm.CIC
    company_org_id = factory.Sequence(lambda n: f"GB-COH-{n:08d}")
    address_line_1 = "1 High Street"
    town = "Northbridge"
    postcode = "NB1 1AA"
    contact_email = "hello@riverside.example.org"


class BidFactory(factory.django.DjangoModelFactory):
    """A draft bid, complete enough to submit once it has a budget line (use the services)."""

    class Meta:
        model = Bid

    fund = factory.SubFactory(FundFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Stay and play sessions {n}")
    summary = "Weekly stay-and-play sessions for families with under-fives."
    need = "Few local places where parents of young children meet."
    population_served = "Families with children under five in the ward."
    outcomes = "Better school readiness; less isolation for parents."
    evidence_level = 2
    evidence_sources = "Our own before-and-after surveys, 2024-2025."
    delivery_plan = "Two sessions a week in the community centre, for 48 weeks."
    beneficiaries = 120


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    bid = factory.SubFactory(BidFactory)
    description = factory.Sequence(lambda n: f"Sessional workers {n}")
    amount_pence = 1_200_000
    position = factory.Sequence(lambda n: n)


def grant(user: User, role: str, **scope: object) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, **scope)


def actor(user: User, *, mfa: bool = True) -> Actor:
    return Actor(user=user, mfa_verified=mfa)


def add_totp(user: User) -> str:
    """Give ``user`` a TOTP authenticator; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def signed_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mfa_client(user: User) -> Client:
    """A client whose session signed in with a second factor, as allauth records it."""
    add_totp(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0, "email": user.email},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client
