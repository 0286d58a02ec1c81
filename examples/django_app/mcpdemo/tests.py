"""Tests of the example views with Django's test client: `python manage.py test mcpdemo`."""

from concurrent.futures import ThreadPoolExecutor

from django.test import Client, SimpleTestCase

from mcpclient.contrib.django import get_client


class ViewTests(SimpleTestCase):  # type: ignore[misc]  # Django ships without type hints
    def test_tools(self) -> None:
        response = self.client.get("/tools/")
        self.assertEqual(response.status_code, 200)
        self.assertIn("weather", response.json()["tools"])

    def test_add(self) -> None:
        self.assertEqual(self.client.get("/add/", {"a": 2, "b": 40}).json(), {"sum": 42})
        self.assertEqual(self.client.get("/add/", {"a": "x"}).status_code, 400)

    def test_weather(self) -> None:
        report = self.client.get("/weather/Oslo/").json()
        self.assertEqual(report["city"], "Oslo")
        self.assertIn(report["conditions"], ["sunny", "cloudy", "rainy", "windy"])

    def test_concurrent_requests_share_one_client(self) -> None:
        def request(i: int) -> tuple[int, int]:
            # One test client per thread, like one request per server thread.
            response = Client().get("/add/", {"a": i, "b": 1000})
            return response.json()["sum"], id(get_client())

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(request, range(32)))
        self.assertEqual([total for total, _ in results], [i + 1000 for i in range(32)])
        self.assertEqual({client_id for _, client_id in results}, {id(get_client())})
