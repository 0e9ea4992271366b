import pytest

from people import Api, seed


@pytest.fixture
def people(service):
    return seed(service)


@pytest.fixture
def api(app, people):
    return Api(app.test_client(), people[1])
