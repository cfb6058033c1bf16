"""The committed front-end build (static/build/, made by frontend/build.mjs).

Pages must look right on a machine with no Node and no network: the built files are committed,
carry no GOV.UK branding, and everything a page asks for is found by the staticfiles finders.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
BUILD = ROOT / "static" / "build"
FRONTEND = ROOT / "frontend"


class _AssetParser(HTMLParser):
    """Collects <link href> and <script src>, inline scripts and style attributes."""

    def __init__(self):
        super().__init__()
        self.assets: list[str] = []
        self.inline_scripts = 0
        self.style_attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.style_attributes.append(tag)
        if tag == "link" and attributes.get("href"):
            self.assets.append(attributes["href"])
        elif tag == "script":
            if attributes.get("src"):
                self.assets.append(attributes["src"])
            else:
                self.inline_scripts += 1


def _parse(html: str) -> _AssetParser:
    parser = _AssetParser()
    parser.feed(html)
    return parser


def _static_path(url: str) -> str:
    assert url.startswith(settings.STATIC_URL), f"{url} is not served from {settings.STATIC_URL}"
    return url.removeprefix(settings.STATIC_URL)


def _css() -> str:
    return (BUILD / "app.css").read_text(encoding="utf-8")


def _locked_version(package: str) -> str:
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"][f"node_modules/{package}"]["version"]


def test_built_css_holds_gov_uk_frontend_moj_frontend_and_our_styles():
    css = _css()
    assert ".govuk-button" in css
    assert ".moj-filter" in css
    assert ".app-header" in css
    assert "\n" not in css.strip(), "app.css should be compressed"
    assert "sourceMappingURL" not in css


def test_built_css_has_no_gov_uk_typeface_or_crown():
    css = _css().lower()
    assert "gds transport" not in css
    assert "@font-face" not in css
    for branding in ("crown", "govuk-crest", "govuk-logotype"):
        assert branding not in css, f"app.css mentions {branding}"
    fonts = set(re.findall(r"font-family:([^;}]+)", css))
    assert fonts <= {"arial,sans-serif", "sans-serif", "inherit"}, fonts


def test_every_file_the_css_points_at_is_built():
    urls = set(re.findall(r"url\(([^)]+)\)", _css()))
    assert urls, "the MOJ components' icons are expected"
    for url in urls:
        assert finders.find(_static_path(url.strip("\"'"))), f"app.css points at missing {url}"


def test_no_gov_uk_image_or_font_is_vendored():
    names = [path.name.lower() for path in (BUILD / "assets").rglob("*") if path.is_file()]
    assert "favicon.svg" in names
    assert not [name for name in names if name.endswith((".woff", ".woff2"))]
    assert not [name for name in names if "crown" in name or "crest" in name or "govuk" in name]


def test_bundles_referenced_by_base_template_exist():
    source = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    referenced = re.findall(r"{% static '([^']+)' %}", source)
    assert "build/app.css" in referenced
    assert "js/app.js" in referenced
    for path in referenced:
        assert finders.find(path), f"base.html loads missing static file {path}"


def test_app_js_imports_only_built_modules():
    app_js = ROOT / "static" / "js" / "app.js"
    imports = re.findall(r"""from\s+['"]([^'"]+)['"]""", app_js.read_text(encoding="utf-8"))
    assert sorted(imports) == ["../build/govuk-frontend.min.js", "../build/moj-frontend.min.js"]
    for module in imports:
        target = (app_js.parent / module).resolve()
        assert target.is_file(), f"app.js imports missing {module}"
        assert re.search(r"export\s*{[^}]*\binitAll\b", target.read_text(encoding="utf-8")), (
            f"{module} no longer exports initAll, which app.js calls"
        )


@pytest.mark.parametrize(
    ("package", "bundle", "pattern"),
    [
        ("govuk-frontend", "govuk-frontend.min.js", r'const version="([^"]+)"'),
        ("@ministryofjustice/frontend", "moj-frontend.min.js", r'const version="([^"]+)"'),
        ("htmx.org", "htmx.min.js", r'version:"([^"]+)"'),
    ],
)
def test_built_bundles_match_the_locked_versions(package, bundle, pattern):
    """A version bump in package.json without a rebuild (or the reverse) shows up here."""
    built = re.search(pattern, (BUILD / bundle).read_text(encoding="utf-8"))
    assert built, f"no version string found in {bundle}"
    assert built.group(1) == _locked_version(package)


def test_gov_uk_frontend_stays_on_the_major_version_crispy_forms_gds_supports():
    manifest = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    pins = manifest["devDependencies"]
    assert pins["govuk-frontend"].split(".")[0] == "5"
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in pins.values()), pins


def test_licences_name_every_vendored_package_with_its_licence_text():
    notice = (BUILD / "LICENCES.md").read_text(encoding="utf-8")
    for package in ("govuk-frontend", "@ministryofjustice/frontend", "htmx.org"):
        assert f"| {package} | {_locked_version(package)} |" in notice
    for licence in re.findall(r"\]\((licences/[^)]+)\)", notice):
        assert (BUILD / licence).is_file(), f"LICENCES.md links to missing {licence}"


def _assert_assets_found(html: str) -> list[str]:
    page = _parse(html)
    for url in page.assets:
        assert finders.find(_static_path(url)), f"page loads missing {url}"
    return page.assets


@pytest.mark.django_db
def test_login_page_references_only_assets_that_exist(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assets = _assert_assets_found(response.content.decode())
    loaded = {_static_path(url) for url in assets}
    assert {"build/app.css", "js/js-enabled.js", "build/htmx.min.js", "js/app.js"} <= loaded


@pytest.mark.django_db
def test_signed_in_page_references_only_assets_that_exist(officer_client):
    response = officer_client.get(reverse("home"), follow=True)  # on to the dashboard
    assert response.status_code == 200
    _assert_assets_found(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "accessibility"])
def test_pages_have_no_inline_scripts_or_styles(client, url_name):
    """A strict Content Security Policy (script-src/style-src 'self') must not break any page."""
    page = _parse(client.get(reverse(url_name)).content.decode())
    assert page.inline_scripts == 0
    assert page.style_attributes == []


@pytest.mark.django_db
def test_signed_in_header_names_the_user_and_offers_sign_out(officer, officer_client):
    officer.first_name, officer.last_name = "Sam", "Patel"
    officer.save()
    html = officer_client.get(reverse("home"), follow=True).content.decode()
    page = _parse(html)
    assert page.inline_scripts == 0 and page.style_attributes == []
    assert "Signed in as <strong>Sam Patel</strong>" in html
    assert f'action="{reverse("logout")}"' in html
    assert "GOV.UK" not in html
