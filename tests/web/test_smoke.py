from tests import factories
from tests.conftest import login


def test_home_page_is_french(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "reconditionné" in html


def test_demo_style_login_reaches_home(app, client):
    user = factories.UserFactory(email="claire@example.fr")
    factories.db.session.commit()
    login(client, user.email)
    response = client.get("/")
    assert "Se déconnecter" in response.get_data(as_text=True)
