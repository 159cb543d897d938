"""Vietnamese first: the UI ignores the browser's language, follows the switch."""


def test_an_english_browser_still_gets_vietnamese(client, users):
    client.force_login(users.officer)
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert "Hồ sơ" in page.content.decode()


def test_the_language_switch_gives_english(client, users):
    client.force_login(users.officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    page = client.get("/cases/")
    assert 'lang="en"' in page.content.decode()


def test_the_api_honours_accept_language(client, users):
    client.force_login(users.officer)
    answer = client.get("/api/v1/cases/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert answer.json()["message"] == "Not found."
