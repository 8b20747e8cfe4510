"""`curation.yaml`: the one validated configuration file naming the sources and every threshold.

`load_config` fails before any work starts with `ConfigError`, whose message names the file, the key
and what is wrong. Source paths are resolved against `data_root` and may not escape it.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sft_assets.dedup.settings import DecontaminationConfig, NearDedupConfig
from sft_assets.filter.settings import FilterConfig
from sft_assets.ingest.containers import CONTAINERS
from sft_assets.ingest.formats import FORMATS
from sft_assets.records import ORIGINS

CONFIG_ENV = "SFT_ASSETS_CONFIG"
SAMPLE_CONFIG = Path(__file__).parent / "sample" / "curation.yaml"
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet")
TABLE_FIELDS = ("user", "assistant", "system", "category")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    """One named source: a file, a directory (read recursively) or a glob under data_root."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: str
    format: Literal["auto", *FORMATS] = "auto"  # type: ignore[valid-type]
    container: Literal[*CONTAINERS] | None = None  # type: ignore[valid-type]
    columns: dict[str, str] | None = None
    csv_delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    origin: Literal[*ORIGINS] = "human"  # type: ignore[valid-type]

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        unknown = sorted(set(value) - set(TABLE_FIELDS))
        if unknown:
            raise ValueError(f"unknown column role(s) {unknown}; allowed: {list(TABLE_FIELDS)}")
        if "user" not in value or "assistant" not in value:
            raise ValueError("a column mapping needs at least 'user' and 'assistant'")
        return value


class IngestConfig(_Strict):
    max_record_bytes: int = Field(default=1_000_000, gt=0)
    consecutive_turns: Literal["merge", "reject"] = "merge"


class SplitConfig(_Strict):
    seed: int = 20240601
    ratios: dict[Literal["train", "val", "test"], float] = {"train": 0.8, "val": 0.1, "test": 0.1}

    @field_validator("ratios")
    @classmethod
    def _ratios(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"train", "val", "test"}:
            raise ValueError("needs exactly train, val and test")
        if any(r < 0 for r in value.values()) or abs(sum(value.values()) - 1.0) > 1e-6:
            raise ValueError(f"ratios must be non-negative and sum to 1 (they sum to {sum(value.values()):g})")
        return value


class TokensConfig(_Strict):
    encoding: Literal["cl100k_base", "o200k_base"] = "cl100k_base"
    max_tokens: int = Field(default=16385, gt=0)
    epochs: int | None = Field(default=None, gt=0)
    usd_per_million_training_tokens: float = Field(default=8.0, ge=0)


PiiAction = Literal["redact", "drop", "flag", "off"]


class PiiConfig(_Strict):
    """Per type of personal data or secret: redact to a typed placeholder, drop the record, flag it, or off."""

    email: PiiAction = "redact"
    phone: PiiAction = "redact"
    cn_id: PiiAction = "redact"
    bank_card: PiiAction = "redact"
    ip: PiiAction = "redact"
    openai_key: PiiAction = "redact"
    aws_key: PiiAction = "redact"
    github_token: PiiAction = "redact"
    private_key: PiiAction = "redact"
    generic_secret: PiiAction = "redact"


class BoilerplateConfig(_Strict):
    enabled: bool = True
    extra_patterns: list[str] = []  # regular expressions added to the built-in English/Chinese ad patterns
    remove_link_only_lines: bool = True

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        import re

        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return value


class CleanConfig(_Strict):
    unicode_repair: bool = True
    control_chars: bool = True
    html: bool = True
    boilerplate: BoilerplateConfig = BoilerplateConfig()
    whitespace: bool = True
    max_blank_lines: int = Field(default=1, ge=0)
    no_input: bool = True
    pii: PiiConfig = PiiConfig()


class ExportsConfig(_Strict):
    formats: list[Literal["openai", "sharegpt", "alpaca"]] = ["openai"]


class CurationConfig(_Strict):
    data_root: str = "."
    sources: list[SourceConfig] = Field(min_length=1)
    ingest: IngestConfig = IngestConfig()
    split: SplitConfig = SplitConfig()
    tokens: TokensConfig = TokensConfig()
    clean: CleanConfig = CleanConfig()
    filter: FilterConfig = FilterConfig()
    near_dedup: NearDedupConfig = NearDedupConfig()
    decontamination: DecontaminationConfig = DecontaminationConfig()
    exports: ExportsConfig = ExportsConfig()

    @model_validator(mode="after")
    def _unique_names(self) -> CurationConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {dupes}")
        return self


class ConfigError(ValueError):
    """A configuration problem: the message names the file, the key and the reason."""

    def __init__(self, file: Path, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{file}: {key}: {reason}" for key, reason in problems]
        super().__init__("invalid configuration\n" + "\n".join(lines))


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with its sources resolved to files (paths relative to data_root)."""

    path: Path
    data_root: Path
    config: CurationConfig
    files: dict[str, list[str]]
    eval_files: dict[str, str] = None  # type: ignore[assignment]  # eval set name -> file under data_root

    def absolute(self, relative: str) -> Path:
        return self.data_root / relative


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    chosen = explicit or os.environ.get(CONFIG_ENV) or SAMPLE_CONFIG
    return Path(chosen).expanduser().resolve()


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def load_config(path: str | os.PathLike[str] | None = None) -> LoadedConfig:
    """Read, validate and resolve a curation.yaml; raise ConfigError before any work is done."""
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(file, [("(file)", "the configuration file does not exist")])
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(file, [("(file)", f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(file, [("(top level)", "must be a mapping with a 'sources' list")])
    try:
        config = CurationConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [(_key(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        raise ConfigError(file, problems) from None
    data_root = (file.parent / config.data_root).resolve()
    if not data_root.is_dir():
        raise ConfigError(file, [("data_root", f"{data_root} is not a directory")])
    files, problems = {}, []
    for index, source in enumerate(config.sources):
        try:
            files[source.name] = resolve_source_files(data_root, source.path)
        except ValueError as exc:
            problems.append((f"sources[{index}].path", str(exc)))
    eval_files = {}
    for index, eval_set in enumerate(config.decontamination.eval_sets):
        try:
            resolved = resolve_source_files(data_root, eval_set.path)
        except ValueError as exc:
            problems.append((f"decontamination.eval_sets[{index}].path", str(exc)))
            continue
        if len(resolved) != 1:
            problems.append((f"decontamination.eval_sets[{index}].path", f"names {len(resolved)} files; name one"))
        else:
            eval_files[eval_set.name] = resolved[0]
    if problems:
        raise ConfigError(file, problems)
    return LoadedConfig(path=file, data_root=data_root, config=config, files=files, eval_files=eval_files)


def resolve_source_files(data_root: Path, pattern: str) -> list[str]:
    """Data files a source path names, relative to data_root, sorted; none may leave data_root."""
    if Path(pattern).is_absolute():
        candidate = Path(pattern)
    else:
        candidate = data_root / pattern
    if glob.has_magic(pattern):
        matches = [Path(p) for p in sorted(glob.glob(str(candidate), recursive=True))]
        if not matches:
            raise ValueError(f"{pattern!r} matches no file under {data_root}")
    elif candidate.is_dir():
        matches = sorted(p for p in candidate.rglob("*") if p.is_file() and _is_data_file(p))
        if not matches:
            raise ValueError(f"directory {candidate} holds no data file ({', '.join(DATA_SUFFIXES)}, optionally .gz)")
    elif candidate.exists() or candidate.is_symlink():
        matches = [candidate]
    else:
        raise ValueError(f"{candidate} does not exist")
    out = []
    for match in matches:
        real = match.resolve()
        if not real.is_relative_to(data_root):
            raise ValueError(f"{match} resolves to {real}, outside data_root {data_root}")
        if not real.is_file():
            raise ValueError(f"{match} is not a readable file")
        if not os.access(real, os.R_OK):
            raise ValueError(f"{match} is not readable")
        out.append(real.relative_to(data_root).as_posix())
    return sorted(set(out))


def _is_data_file(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith(DATA_SUFFIXES)
