#!/usr/bin/env python
"""Django's command-line utility for the mcpclient example project.

cd examples/django_app
python manage.py runserver        # then open http://127.0.0.1:8000/tools/
python manage.py test mcpdemo     # the example's tests (Django's test client)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
