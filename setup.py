"""Packaging glue: ship the top-level, operator-editable ``jobs/`` and ``reports/``
folders inside the wheel as ``coopctl.assets.jobs`` and ``coopctl.assets.reports``,
and ``migrations/`` as ``coopctl.migrations``.

They stay plain folders in the repository (an editable install maps them in
place); ``coopctl.core.resources`` finds them in both cases.
"""

from setuptools import find_packages, setup

packages = find_packages(include=["coopctl", "coopctl.*"])
packages += [
    "coopctl.assets.jobs",
    "coopctl.assets.reports",
    "coopctl.migrations",
    "coopctl.migrations.versions",
]

setup(
    packages=packages,
    package_dir={
        "coopctl.assets.jobs": "jobs",
        "coopctl.assets.reports": "reports",
        "coopctl.migrations": "migrations",
        "coopctl.migrations.versions": "migrations/versions",
    },
    package_data={
        "coopctl": ["py.typed"],
        "coopctl.recon": ["profiles/*.toml"],
        "coopctl.migrations": ["script.py.mako"],
        "coopctl.assets.jobs": ["*.toml", "*.md"],
        "coopctl.assets.reports": [
            "*.md",
            "*.toml",
            "templates/*",
            "styles/*",
            "custom/*",
            "static/*",
            "profiles/*",
        ],
    },
)
