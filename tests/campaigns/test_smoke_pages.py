from nrhub.campaigns.models import CampaignState
from tests.conftest import login


def test_campaign_pages_render_for_each_role(client, people, make_campaign, listing, make_offer):
    campaign = make_campaign(CampaignState.OPEN)
    make_offer(campaign, listing, 5)
    for user in (people.coordinator, people.refurbisher, people.buyer):
        login(client, user.email)
        assert client.get("/campagnes/").status_code == 200
        response = client.get(f"/campagnes/{campaign.id}")
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        client.post("/deconnexion")
