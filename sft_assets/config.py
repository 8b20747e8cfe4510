"""`curation.yaml`: the one validated configuration file naming the sources and every threshold.

`load_config` fails before any work starts with `ConfigError`, whose message names the file, the key
and what is wrong. Source paths are resolved against `data_root` and may not escape it.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, model_validator

from sft_assets.balance.settings import BalanceConfig
from sft_assets.clean.settings import CleanConfig
from sft_assets.core.settings_base import Strict
from sft_assets.dedup.settings import DecontaminationConfig, NearDedupConfig
from sft_assets.export.settings import ExportsConfig
from sft_assets.filter.settings import FilterConfig
from sft_assets.ingest.ingest_file import FileTask
from sft_assets.ingest.settings import IngestSettings, SourceConfig
from sft_assets.llm.settings import LlmConfig
from sft_assets.quality.settings import TokensConfig
from sft_assets.split.settings import SplitConfig

CONFIG_ENV = "SFT_ASSETS_CONFIG"
SAMPLE_CONFIG = Path(__file__).parent / "sample" / "curation.yaml"
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet")


class CurationConfig(Strict):
    data_root: str = "."
    sources: list[SourceConfig] = Field(min_length=1)
    ingest: IngestSettings = IngestSettings()
    split: SplitConfig = SplitConfig()
    tokens: TokensConfig = TokensConfig()
    clean: CleanConfig = CleanConfig()
    filter: FilterConfig = FilterConfig()
    near_dedup: NearDedupConfig = NearDedupConfig()
    decontamination: DecontaminationConfig = DecontaminationConfig()
    exports: ExportsConfig = ExportsConfig()
    llm: LlmConfig = LlmConfig()
    balance: BalanceConfig = BalanceConfig()

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
    document_files: tuple[str, ...] = ()  # llm.augment.documents resolved, under data_root

    def absolute(self, relative: str) -> Path:
        return self.data_root / relative

    def file_tasks(self) -> list[FileTask]:
        """One ingest task per source file, in config order (files sorted within a source)."""
        settings = self.config.ingest
        return [
            FileTask(source=source.name, path=self.absolute(file), file=file, format=source.format,
                     origin=source.origin, container=source.container, csv_delimiter=source.csv_delimiter,
                     columns=dict(source.columns) if source.columns else None,
                     max_record_bytes=settings.max_record_bytes, consecutive_turns=settings.consecutive_turns,
                     mask_secrets=settings.mask_secrets)
            for source in self.config.sources
            for file in self.files[source.name]
        ]

    def watched_paths(self) -> list[Path]:
        """The config file and every source file (a change to any of them triggers a refresh)."""
        return [self.path, *(self.absolute(f) for files in self.files.values() for f in files)]


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
    documents: list[str] = []
    for index, pattern in enumerate(config.llm.augment.documents):
        try:
            documents += resolve_source_files(data_root, pattern)
        except ValueError as exc:
            problems.append((f"llm.augment.documents[{index}]", str(exc)))
    if problems:
        raise ConfigError(file, problems)
    return LoadedConfig(path=file, data_root=data_root, config=config, files=files, eval_files=eval_files,
                        document_files=tuple(sorted(set(documents))))


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
        matches = sorted(p for p in candidate.rglob("*") if p.is_file() and is_data_file(p))
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


def is_data_file(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith(DATA_SUFFIXES)
