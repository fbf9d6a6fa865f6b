"""The outlet registry: the shipped file is valid, and bad entries give errors naming the field."""

from __future__ import annotations

import textwrap

import pytest

from registry import RegistryError, load_outlets, select_outlets

SHIPPED = {"lebrief", "maghress_fr", "lepetitjournalmarocain", "hespress_fr", "le360_fr",
           "lopinion", "barlamane_fr", "h24info", "leseco"}

GOOD = """
outlets:
  - id: sample
    name: Sample
    home: https://sample.ma/
    hosts: [sample.ma]
    sources: [{kind: feed, url: https://sample.ma/feed/}]
    article_patterns: ['/\\d{4}/\\d{2}/']
"""


def write(tmp_path, text: str):
    path = tmp_path / "outlets.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_registry_has_the_requested_outlets():
    outlets = load_outlets()
    assert SHIPPED <= set(outlets)
    for outlet in outlets.values():
        assert outlet.timezone == "Africa/Casablanca"
        assert outlet.is_article_url(outlet.home) is False, outlet.id


def test_article_patterns_and_ignore_patterns():
    lebrief = load_outlets()["lebrief"]
    assert lebrief.is_article_url("https://lebrief.ma/bourita-recoit-jenkins-208739/")
    assert not lebrief.is_article_url("https://lebrief.ma/rubrique-politique/page/2/")
    lpjm = load_outlets()["lepetitjournalmarocain"]
    assert lpjm.is_article_url(
        "https://lepetitjournalmarocain.com/2022/05/11/nasser-bourita-antony-blinken/")
    assert not lpjm.is_article_url("https://lepetitjournalmarocain.com/category/national/")


def test_minimal_entry_gets_defaults(tmp_path):
    outlet = load_outlets(write(tmp_path, GOOD))["sample"]
    assert outlet.languages == ("fr",) and outlet.country == "MA"
    assert outlet.extraction_hints.timezone == "Africa/Casablanca"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("timezone: Africa/Casablanca", "timezone: Mars/Olympus"), "timezone"),
        (("kind: feed", "kind: telegram"), "sources.0.kind"),
        (("https://sample.ma/feed/", "https://elsewhere.ma/feed/"), "not on the outlet's hosts"),
        (("'/\\d{4}/\\d{2}/'", "'/(unclosed'"), "article_patterns"),
        (("id: sample", "id: Sample-Outlet"), "id"),
        (("    name: Sample\n", ""), "name"),
    ],
)
def test_bad_entry_names_outlet_and_field(tmp_path, change, needle):
    text = GOOD.replace("    hosts:", "    timezone: Africa/Casablanca\n    hosts:")
    assert change[0] in text
    with pytest.raises(RegistryError) as err:
        load_outlets(write(tmp_path, text.replace(*change)))
    message = str(err.value)
    assert needle in message
    assert "outlet" in message


def test_duplicate_ids_are_rejected(tmp_path):
    entry = GOOD.split("outlets:\n", 1)[1]
    with pytest.raises(RegistryError, match="'sample': duplicate id"):
        load_outlets(write(tmp_path, "outlets:\n" + entry + entry))


@pytest.mark.parametrize("text", ["outlets: [", "{}", "outlets: []"])
def test_unusable_file(tmp_path, text):
    with pytest.raises(RegistryError):
        load_outlets(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RegistryError, match="cannot read outlet registry"):
        load_outlets(tmp_path / "nope.yaml")


def test_unknown_outlet_names_it():
    with pytest.raises(RegistryError, match="unknown outlet.*nowhere_news"):
        select_outlets(load_outlets(), ["lebrief", "nowhere_news"])


def test_bad_links_css_is_rejected(tmp_path):
    text = GOOD.replace("url: https://sample.ma/feed/}",
                        "url: https://sample.ma/feed/, links_css: 'div[['}")
    with pytest.raises(RegistryError, match="sources.0.links_css.*bad CSS selector"):
        load_outlets(write(tmp_path, text))


@pytest.mark.parametrize(("extra", "needle"), [
    ("    politeness: {user_agent: 'Mozilla/5.0 (Windows NT 10.0) (+https://x.org)'}\n",
     "politeness.user_agent.*not pretend to be a browser"),
    ("    politeness: {user_agent: 'SampleBot/1.0'}\n", "politeness.user_agent.*contact"),
    ("    allow_private_addresses: [127.0.0.1, not-an-ip]\n",
     "allow_private_addresses.*not an IP address"),
])
def test_bad_safety_fields_are_rejected(tmp_path, extra, needle):
    with pytest.raises(RegistryError, match=needle):
        load_outlets(write(tmp_path, GOOD + extra))


def test_credentials_in_urls_are_rejected(tmp_path):
    text = GOOD.replace("https://sample.ma/feed/", "https://reader:hunter2@sample.ma/feed/")
    with pytest.raises(RegistryError, match="sources.0.url.*credentials") as err:
        load_outlets(write(tmp_path, text))
    assert "hunter2" not in str(err.value)  # the message does not echo the secret
    token = GOOD.replace("https://sample.ma/feed/", "'https://sample.ma/feed/?token=abc'")
    assert load_outlets(write(tmp_path, token))["sample"].sources[0].url.endswith("token=abc")


def test_safety_fields_parse(tmp_path):
    default = load_outlets(write(tmp_path, GOOD))["sample"]
    assert default.private_networks == () and default.politeness.user_agent is None
    text = GOOD + ("    allow_private_addresses: ['127.0.0.21', '10.0.0.0/8', '::1']\n"
                   "    politeness: {user_agent: 'SampleBot/1.0 (+https://example.org/bot)'}\n")
    outlet = load_outlets(write(tmp_path, text))["sample"]
    assert outlet.private_networks == ("127.0.0.21/32", "10.0.0.0/8", "::1/128")
    assert outlet.politeness.user_agent == "SampleBot/1.0 (+https://example.org/bot)"
    everything = load_outlets(write(tmp_path, GOOD + "    allow_private_addresses: true\n"))
    assert everything["sample"].private_networks is None


@pytest.mark.parametrize("key", ["outlet", "defaults"])
def test_unknown_top_level_key_is_refused_by_name(tmp_path, key):
    """A misspelt or misplaced top-level key (``outlet:`` beside ``outlets:``, settings the file
    does not take) would be silently ignored: it is refused, naming the key."""
    with pytest.raises(RegistryError, match=f"unknown top-level key '{key}'"):
        load_outlets(write(tmp_path, GOOD + f"{key}:\n  - id: forgotten\n"))


def test_registry_command_prints_help_and_refuses_bad_files_in_one_line(tmp_path, capsys):
    import subprocess
    import sys

    from registry.__main__ import main

    shown = subprocess.run([sys.executable, "-m", "registry", "--help"], capture_output=True,
                           text=True, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: python -m registry") and "path" in shown.stdout
    assert main([str(write(tmp_path, GOOD))]) == 0
    assert "sample" in capsys.readouterr().out
    assert main([str(write(tmp_path, GOOD + "defaults: {}\n"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown top-level key 'defaults'" in err[0], err
    assert main([str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot read outlet registry" in err[0], err
