"""plugins.qgis.org's upload checks, run offline on the plugin zip (`make plugin-check`).

    python scripts/plugin_check.py build/gair_qgis.zip [--release] [--site DIR]
    python scripts/plugin_check.py --release-metadata metadata.txt   # only the release refusals

The site (github.com/qgis/QGIS-Plugins-Website, read at commit 73c20fa9, 2026-07-23) runs on each
upload `qgis-app/plugins/validator.py`, whose errors refuse the upload, and
`qgis-app/plugins/security_scanner.py`: bandit, detect-secrets and flake8 on the unzipped plugin
plus file checks, each finding tied to a rule of `management/commands/data/*_rules.json` that is
either critical (mandatory: a finding blocks the version) or a warning (enabled, the uploader may
skip it), or disabled.

Two ways, both offline:
- always: this script's own run of the same checks: the validator's structural checks, and the
  same tools from PyPI called the way the site calls them (bandit with the site's enabled tests at
  every severity, detect-secrets with the site's plugins, flake8 --max-line-length=120 with the
  site's enabled codes), with the site's rule levels as of the commit above;
- with --site DIR (a checkout of qgis/QGIS-Plugins-Website; `make plugin-check` clones it into
  build/ when GitHub can be reached): the site's own validator() and PluginSecurityScanner, run
  from that checkout (never copied here) with Django configured bare, the rules read from the
  checkout's data/*_rules.json in place of its database, and the URL reachability test answered
  "reachable" (offline; --release refuses placeholder URLs instead).

Our rule is stricter than the site's: every finding fails the check, blocking or not. A warning
is fixed, or suppressed inline where it stands, with the reason (`# nosec B603  # why`,
`# noqa: E741 ...`, `# pragma: allowlist secret`), so a reviewer sees each one. The one kind
acknowledged here instead: detect-secrets' HexHighEntropyString on a line of a model package's
model.json whose value is the sha256 of the package file it names (checked) or a provenance
digest (a key ending in sha256, or the git commit): JSON has no comments to carry a pragma.

Not checked offline: that the URLs answer (the site sends HEAD requests) and the site's QGIS 4
check (pyqt5_to_pyqt6.py run in QGIS's pyqgis4-checker container; see the README for how the
QGIS 4 readiness is checked here).
Exit status: 0 no finding, 1 findings, 2 bad input (no zip, a tool missing).
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

MAX_SIZE = 25_000_000  # validator.py PLUGIN_MAX_UPLOAD_SIZE
REQUIRED_METADATA = (
    "name",
    "description",
    "version",
    "qgisMinimumVersion",
    "author",
    "email",
    "about",
    "tracker",
    "repository",
)
FORBIDDEN_DIRS = ("__MACOSX", ".git", "__pycache__")
URL_KEYS = {"tracker": "http://bugs", "repository": "http://repo", "homepage": "http://homepage"}
PLACEHOLDER_HOSTS = re.compile(r"(^|\.)(example\.(org|com|net)|invalid|localhost)$", re.IGNORECASE)

# The site's rules (data/*_rules.json at the commit above): critical = blocks, warning = skippable.
# Rules the site ships disabled (info) are left out, as the site leaves them out.
BANDIT_CRITICAL = {
    "B102",
    "B103",
    "B105",
    "B106",
    "B107",
    "B111",
    "B201",
    "B202",
    "B301",
    "B302",
    "B304",
    "B305",
    "B306",
    "B307",
    "B312",
    "B321",
    "B323",
    "B401",
    "B402",
    "B412",
    "B413",
    "B501",
    "B502",
    "B503",
    "B505",
    "B506",
    "B507",
    "B601",
    "B602",
    "B604",
    "B605",
    "B609",
    "B610",
    "B611",
    "B612",
    "B613",
    "B615",
    "B701",
}
BANDIT_WARNING = {
    "B101",
    "B104",
    "B108",
    "B110",
    "B112",
    "B113",
    "B303",
    "B308",
    "B310",
    "B311",
    "B313",
    "B314",
    "B315",
    "B316",
    "B317",
    "B318",
    "B319",
    "B320",
    "B324",
    "B403",
    "B405",
    "B406",
    "B407",
    "B408",
    "B409",
    "B504",
    "B508",
    "B509",
    "B603",
    "B606",
    "B607",
    "B608",
    "B614",
    "B702",
    "B703",
    "B704",
}
SECRETS_CRITICAL = {
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
}
SECRETS_WARNING = {"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"}
SECRETS_DISABLED = {"IPPublicDetector"}
FLAKE8_CRITICAL = {"E901", "E902", "E999", "F821", "F823", "F831"}
FLAKE8_WARNING = {
    "E101",
    "E711",
    "E712",
    "E713",
    "E714",
    "E721",
    "E722",
    "E731",
    "E741",
    "E742",
    "E743",
    "W605",
    "F402",
    "F403",
    "F404",
    "F405",
    "F811",
    "F822",
    "F901",
    "C901",
}
SUSPICIOUS_EXTENSIONS = (".exe", ".dll", ".so", ".dylib", ".bat", ".sh", ".ps1", ".cmd")  # FILE_SUSPICIOUS
TOOL_CONFIG_FILES = {".bandit", ".secrets.baseline", ".flake8", ".gitignore", ".gitattributes"}


@dataclass(frozen=True)
class Finding:
    check: str  # validator, bandit, detect-secrets, flake8, files, release
    rule: str
    where: str
    message: str
    blocking: bool  # the site refuses the upload or the version (a critical rule or a validator error)

    def __str__(self) -> str:
        return f"{'BLOCKING' if self.blocking else 'warning '} {self.check} {self.rule}: {self.where}: {self.message}"


def read_metadata(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    if not parser.has_section("general"):
        raise ValueError("no [general] section")
    return {key: value.strip() for key, value in parser.items("general")}


def validator_findings(archive: Path, is_new: bool = True) -> list[Finding]:
    """validator.py's checks, in its order; each of its ValidationErrors is a blocking finding."""

    def refuse(rule: str, message: str, where: str = archive.name) -> Finding:
        return Finding("validator", rule, where, message, True)

    found = []
    if archive.stat().st_size > MAX_SIZE:
        found.append(refuse("size", f"{archive.stat().st_size / 1e6:.1f} MB; at most {MAX_SIZE / 1e6:.0f} MB"))
    try:
        zipped = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        return found + [refuse("zip", "could not unzip the file")]
    with zipped:
        names = zipped.namelist()
        for name in names:
            parts = name.split("/")
            if ".." in name or name.startswith("/"):
                found.append(refuse("path", "a name with path information", name))
            if ".pyc" in name:
                found.append(refuse("pyc", "a .pyc file", name))
            found += [refuse("forbidden-dir", f"a {d} folder", name) for d in FORBIDDEN_DIRS if d in parts]
            if "\\" in name or re.match(r"^[A-Za-z]:", name):
                found.append(refuse("zip-spec", "a backslash or drive letter in a name", name))
        if zipped.testzip() is not None:
            found.append(refuse("crc", f"bad zip entry {zipped.testzip()}"))
        tops = sorted({name.split("/")[0] for name in names})
        if len(tops) > 1:
            found.append(Finding("validator", "multiple-parent-folders", archive.name, ", ".join(tops), False))
        package = names[0].split("/")[0] if names and "/" in names[0] else ""
        if not package:
            return found + [refuse("layout", "no folder inside the zip")]
        if is_new and not package.isidentifier():
            found.append(refuse("package-name", f"{package!r} is not a Python identifier"))
        if not re.match(r"^[A-Za-z][A-Za-z0-9-_]+$", package):
            found.append(refuse("package-name", f"{package!r}: ASCII letters, digits, - and _ only"))
        for required in ("__init__.py", "metadata.txt", "LICENSE"):
            if f"{package}/{required}" not in names:
                found.append(refuse("layout", f"{package}/{required} is missing"))
        if f"{package}/metadata.txt" in names:
            found += metadata_findings(zipped.read(f"{package}/metadata.txt").decode("utf-8"), package, names)
    return found


def metadata_findings(text: str, package: str, names: list[str]) -> list[Finding]:
    """Required keys, author, icon, URL form (not whether they answer: offline)."""
    where = f"{package}/metadata.txt"
    try:
        metadata = read_metadata(text)
    except (configparser.Error, ValueError) as error:
        return [Finding("validator", "metadata", where, f"cannot be parsed: {error}", True)]
    found = [
        Finding("validator", "metadata", where, f"{key}= is missing", True)
        for key in REQUIRED_METADATA
        if not metadata.get(key)
    ]
    if "/" in metadata.get("author", ""):
        found.append(Finding("validator", "author", where, "the author contains a slash", True))
    for key, forbidden in URL_KEYS.items():  # all three, homepage too: the site refuses a missing one
        url = metadata.get(key, "")
        parsed = urlparse(url)
        if url == forbidden or not (parsed.scheme and parsed.netloc):
            found.append(Finding("validator", "url", where, f"{key}={url or '(missing)'} is not a valid URL", True))
    icon = metadata.get("icon", "").removeprefix("./")
    if icon and f"{package}/{icon}" not in names:
        found.append(Finding("validator", "icon", where, f"icon={icon} is not in the zip", False))
    return found


def release_findings(metadata: dict[str, str], where: str) -> list[Finding]:
    """A release names a real contact and real URLs: example.org & co. are placeholders."""
    found = []
    for key in ("email", "repository", "tracker", "homepage"):
        value = metadata.get(key, "")
        host = value.rsplit("@", 1)[-1] if key == "email" else (urlparse(value).hostname or "")
        if not value or PLACEHOLDER_HOSTS.search(host):
            found.append(
                Finding(
                    "release",
                    "placeholder",
                    where,
                    f"{key}={value or '(empty)'} is a placeholder: set the real contact and URLs "
                    "(email, repository, tracker, homepage) in metadata.txt, the one place they live",
                    True,
                )
            )
    return found


def run_tool(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    executable = shutil.which(command[0], path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if executable is None:
        raise FileNotFoundError(f"{command[0]} not found: install the dev extra (pip install -e '.[dev]')")
    return subprocess.run([executable, *command[1:]], cwd=cwd, capture_output=True, text=True, timeout=600)


def bandit_findings(root: Path) -> list[Finding]:
    result = run_tool(
        ["bandit", "-r", ".", "-f", "json", "--quiet", "-t", ",".join(sorted(BANDIT_CRITICAL | BANDIT_WARNING))], root
    )
    report = json.loads(result.stdout or "{}")
    if result.returncode not in (0, 1) or report.get("errors"):
        raise RuntimeError(f"bandit failed: {result.stderr[-500:]} {report.get('errors')}")
    return [
        Finding(
            "bandit",
            issue["test_id"],
            f"{Path(issue['filename']).as_posix().lstrip('./')}:{issue['line_number']}",
            f"{issue['issue_text']} ({issue['issue_severity']})",
            issue["test_id"] in BANDIT_CRITICAL,
        )
        for issue in report.get("results", [])
    ]


def secret_plugin_names() -> dict[str, str]:
    """detect-secrets' plugin class name for each secret type it reports."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[Any, Any] = dict(get_mapping_from_secret_type_to_class())
    return {str(kind): str(plugin_class.__name__) for kind, plugin_class in mapping.items()}


def secrets_findings(root: Path) -> list[Finding]:
    command = [
        "detect-secrets",
        "scan",
        "--all-files",
        "--exclude-files",
        r"metadata\.txt",
        "--exclude-files",
        r"\.secrets\.baseline",
    ]
    for plugin in sorted(SECRETS_DISABLED):
        command += ["--disable-plugin", plugin]
    result = run_tool([*command, "."], root)
    if result.returncode != 0:
        raise RuntimeError(f"detect-secrets failed: {result.stderr[-500:]}")
    plugin_of = secret_plugin_names()
    found = []
    for path, secrets in json.loads(result.stdout)["results"].items():
        for secret in secrets:
            rule = plugin_of.get(secret["type"], secret["type"])
            found.append(
                Finding(
                    "detect-secrets",
                    rule,
                    f"{path}:{secret['line_number']}",
                    secret["type"],
                    rule not in SECRETS_WARNING,
                )
            )
    return found


def flake8_findings(root: Path) -> list[Finding]:
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*.py"))
    result = run_tool(
        [
            "flake8",
            "--isolated",
            "--max-line-length=120",
            "--select",
            ",".join(sorted(FLAKE8_CRITICAL | FLAKE8_WARNING)),
            *files,
        ],
        root,
    )
    found = []
    for line in result.stdout.splitlines():
        match = re.match(r"^(.*?):(\d+):(\d+): (\S+) (.*)$", line)
        if match:
            path, row, _col, code, text = match.groups()
            found.append(Finding("flake8", code, f"{path}:{row}", text, code in FLAKE8_CRITICAL))
    if result.returncode not in (0, 1) or (result.returncode == 1 and not found):
        raise RuntimeError(f"flake8 failed: {result.stderr[-500:]}")
    return found


def file_findings(archive: Path) -> list[Finding]:
    """security_scanner's file checks: executable .py files (warning), suspicious types (critical),
    hidden files (a rule the site ships disabled, reported as a warning here)."""
    found = []
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            name, base = info.filename, Path(info.filename).name
            if name.endswith(".py") and (info.external_attr >> 16) & 0o111:
                found.append(Finding("files", "FILE_EXECUTABLE", name, "a Python file with the execute bit", False))
            if name.lower().endswith(SUSPICIOUS_EXTENSIONS):
                found.append(Finding("files", "FILE_SUSPICIOUS", name, "an executable or binary type", True))
            if base.startswith(".") and base not in TOOL_CONFIG_FILES:
                found.append(Finding("files", "FILE_HIDDEN", name, "a hidden file", False))
    return found


HEX_VALUE = re.compile(r'"([^"]+)":\s*"([0-9a-f]{40}|[0-9a-f]{64})"')


def acknowledged_digest(root: Path, finding: Finding) -> Optional[str]:
    """Why a HexHighEntropyString finding in a model package's model.json is a digest, not a
    secret (the sha256 of the package file it names, checked; a provenance digest), else None."""
    if finding.rule != "HexHighEntropyString":
        return None
    name, _, line = finding.where.rpartition(":")
    path = root / name.removeprefix("./")
    if path.name != "model.json" or not path.is_file() or not line.isdigit():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    match = HEX_VALUE.search(lines[int(line) - 1]) if 0 < int(line) <= len(lines) else None
    if match is None:
        return None
    key, value = match.groups()
    named = path.parent / key
    if named.is_file() and named.resolve().is_relative_to(path.parent.resolve()):
        return f"the sha256 of {key}" if hashlib.sha256(named.read_bytes()).hexdigest() == value else None
    return f"the provenance's {key}" if key.endswith("sha256") or key == "commit" else None


# --- the site's own code (a checkout of qgis/QGIS-Plugins-Website), run in place --------------


@dataclass(frozen=True)
class SiteRule:
    """One row of the site's SecurityRule table, as data/*_rules.json fills it."""

    id: int
    check_category: str
    check_code: str
    severity: str
    enabled: bool
    can_be_skipped: bool


class SiteRules(list):
    """The part of Django's QuerySet API that security_scanner.py uses on SecurityRule.objects."""

    def filter(self, **conditions: Any) -> SiteRules:
        return SiteRules(rule for rule in self if all(getattr(rule, key) == value for key, value in conditions.items()))

    def values_list(self, field: str, flat: bool = False) -> list:
        return [getattr(rule, field) for rule in self]

    def all(self) -> SiteRules:
        return self


def site_rules(app: Path) -> SiteRules:
    """The rules as the site's populate_security_rules command loads them (category from the file name)."""
    rules = SiteRules()
    for category in ("bandit", "secrets", "flake8", "file_analysis"):
        data = json.loads(
            (app / "plugins/management/commands/data" / f"{category}_rules.json").read_text(encoding="utf-8")
        )
        for row in data["rules"]:
            rules.append(
                SiteRule(
                    len(rules) + 1,
                    category,
                    row["check_code"],
                    row["severity"],
                    bool(row["enabled"]),
                    bool(row["can_be_skipped"]),
                )
            )
    return rules


def load_site(site: Path) -> tuple[types.ModuleType, types.ModuleType, SiteRules]:
    """validator.py and security_scanner.py of the checkout `site`, imported in place, with Django
    configured bare and plugins.models standing in for the database (only SecurityRule is used)."""
    app = site / "qgis-app"
    for name in ("validator.py", "security_scanner.py"):
        if not (app / "plugins" / name).is_file():
            raise ValueError(
                f"{site} is not a checkout of qgis/QGIS-Plugins-Website: qgis-app/plugins/{name} is missing"
            )
    try:
        from django.conf import settings  # type: ignore[import-untyped]
    except ImportError as error:
        raise RuntimeError("the site's code needs Django: install the dev extra (pip install -e '.[dev]')") from error
    if not settings.configured:
        settings.configure(USE_I18N=False)
    rules = site_rules(app)
    package = types.ModuleType("plugins")
    package.__path__ = [str(app / "plugins")]
    models = types.ModuleType("plugins.models")
    models.SecurityRule = type("SecurityRule", (), {"objects": rules})  # type: ignore[attr-defined]
    sys.modules.update({"plugins": package, "plugins.models": models})
    return importlib.import_module("plugins.validator"), importlib.import_module("plugins.security_scanner"), rules


def site_validator_findings(validator: Any, archive: Path) -> list[Finding]:
    """The site's validator(); its ValidationError refuses the upload. The URLs are not fetched."""
    from django.forms import ValidationError  # type: ignore[import-untyped]

    real_requests = validator.requests
    reachable = types.SimpleNamespace(status_code=200)
    validator.requests = types.SimpleNamespace(
        head=lambda *args, **kwargs: reachable, exceptions=real_requests.exceptions
    )
    upload = io.BytesIO(archive.read_bytes())
    upload.size = len(upload.getvalue())  # type: ignore[attr-defined]  # what Django's UploadedFile has
    try:
        metadata = dict(validator.validator(upload, is_new=True))
    except ValidationError as error:
        return [Finding("site validator.py", "ValidationError", archive.name, " ".join(error.messages), True)]
    finally:
        validator.requests = real_requests
    found = []
    if "multiple_parent_folders" in metadata:
        found.append(
            Finding(
                "site validator.py", "multiple_parent_folders", archive.name, metadata["multiple_parent_folders"], False
            )
        )
    return found


def site_scanner_findings(scanner_module: Any, rules: SiteRules, archive: Path) -> list[Finding]:
    """The site's PluginSecurityScanner with the enabled rules; each finding blocking when its rule
    cannot be skipped. A tool the scanner could not run is an error (the site would pass it silently)."""
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    for tool in ("bandit", "detect-secrets", "flake8"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} not found: install the dev extra (pip install -e '.[dev]')")
    enabled = [rule for rule in rules if rule.enabled]
    report = scanner_module.PluginSecurityScanner(str(archive), enabled_rules=enabled).scan()
    plugin_of = secret_plugin_names()
    mandatory = {rule.check_code for rule in enabled if not rule.can_be_skipped}
    found = []
    for check in report["checks"]:
        for detail in check["details"]:
            code = detail.get("rule_code") or detail.get("type") or detail.get("code")
            if not code:  # a note ("No Python files found"); an error names no file
                if detail.get("file") == "N/A":
                    raise RuntimeError(f"the site's scanner, {check['name']}: {detail.get('message')}")
                continue
            code = plugin_of.get(code, code)
            where = f"{str(detail.get('file', '')).lstrip('/')}" + (f":{detail['line']}" if detail.get("line") else "")
            found.append(
                Finding(f"site {check['name']}", code, where, str(detail.get("message", "")), code in mandatory)
            )
    return found


def site_findings(site: Path, archive: Path) -> list[Finding]:
    validator, scanner_module, rules = load_site(site)
    return site_validator_findings(validator, archive) + site_scanner_findings(scanner_module, rules, archive)


def check(archive: Path, release: bool, site: Optional[Path] = None) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    """(findings, acknowledged findings with the reason) of this script's checks and, with `site`,
    of the site's own code."""
    found = validator_findings(archive)
    with tempfile.TemporaryDirectory(prefix="gair-plugin-check-") as folder:
        root = Path(folder)
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(root)
            names = zipped.namelist()
        found += bandit_findings(root) + secrets_findings(root) + flake8_findings(root) + file_findings(archive)
        if site is not None:
            found += site_findings(site, archive)
        package = names[0].split("/")[0]
        metadata_path = root / package / "metadata.txt"
        if release and metadata_path.is_file():
            found += release_findings(
                read_metadata(metadata_path.read_text(encoding="utf-8")), f"{package}/metadata.txt"
            )
        acknowledged = [(finding, reason) for finding in found if (reason := acknowledged_digest(root, finding))]
    kept = [finding for finding in found if all(finding is not done for done, _ in acknowledged)]
    return kept, acknowledged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, nargs="?", help="the plugin zip (build/gair_qgis.zip)")
    parser.add_argument("--release", action="store_true", help="also refuse placeholder contact and URLs")
    parser.add_argument(
        "--release-metadata",
        type=Path,
        metavar="METADATA",
        help="check only a metadata.txt for release placeholders (before building)",
    )
    parser.add_argument(
        "--site",
        type=Path,
        metavar="DIR",
        help="a checkout of qgis/QGIS-Plugins-Website: also run its validator.py and security_scanner.py",
    )
    args = parser.parse_args(argv)
    acknowledged: list[tuple[Finding, str]] = []
    try:
        if args.release_metadata:
            metadata = read_metadata(args.release_metadata.read_text(encoding="utf-8"))
            found = release_findings(metadata, str(args.release_metadata))
        elif args.zip and args.zip.is_file():
            found, acknowledged = check(args.zip, args.release, args.site)
        else:
            parser.error(f"the plugin zip {args.zip} does not exist: build it with `make plugin`")
    except (OSError, ValueError, configparser.Error, RuntimeError) as error:
        print(f"plugin-check: error: {error}", file=sys.stderr)
        return 2
    for finding, reason in acknowledged:
        print(f"acknowledged {finding.check} {finding.rule}: {finding.where}: {reason}", file=sys.stderr)
    for finding in found:
        print(finding, file=sys.stderr)
    if args.zip and not args.release_metadata:
        print(
            f"plugin-check: the site's own validator.py and security_scanner.py: "
            f"{'run from ' + str(args.site) if args.site else 'not run (no --site checkout)'}",
            file=sys.stderr,
        )
    blocking = sum(finding.blocking for finding in found)
    what = args.release_metadata or args.zip
    print(
        f"plugin-check: {what}: {blocking} blocking finding(s), {len(found) - blocking} warning(s)"
        + (" (each must be fixed or suppressed inline with its reason)" if found else ""),
        file=sys.stderr,
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
