"""Settings of the minimal mcpclient example project (no database, no admin)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = BASE_DIR.parent

SECRET_KEY = "example-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = ["mcpdemo"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "project.urls"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

# mcpclient: the server(s) the shared SyncClient talks to: a script path or URL, or a dict
# in the mcpServers format, e.g. {"example": {"command": sys.executable, "args": ["server.py"]}}
# (with several servers, names get the server name as a prefix: "example_add").
MCP_SERVERS = str(EXAMPLES_DIR / "server.py")
MCP_CLIENT_OPTIONS = {"timeout": 30}
