import pytest


@pytest.mark.django_db
def test_officer_sees_account(officer_client, officer):
    response = officer_client.get("/account/")
    assert response.status_code == 200
    assert officer.email in response.content.decode()
