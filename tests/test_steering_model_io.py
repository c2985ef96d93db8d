"""Model loading: clear errors for a model too big for the device, an architecture that cannot
be hooked or needs remote code, and a gated repo (a Hub stand-in on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

torch = pytest.importorskip("torch")

from tracker.steering.model_io import (  # noqa: E402
    ModelLoadError,
    ModelSource,
    load_model,
    parse_source,
    resolve_device,
    resolve_dtype,
    resolve_hub,
)

SHA = "c" * 40


def save_config(folder, config) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    return str(folder)


def test_dtype_and_device_defaults():
    assert resolve_device("cpu") == "cpu"
    assert resolve_dtype("auto", "cpu") == torch.float32
    assert resolve_dtype("auto", "cuda:0") == torch.bfloat16
    assert resolve_dtype("bf16", "cpu") == torch.bfloat16
    with pytest.raises(ModelLoadError, match="unknown dtype"):
        resolve_dtype("int3", "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="CUDA is not available"):
            resolve_device("cuda")


def test_a_model_too_big_for_the_device_fails_before_loading_weights(tmp_path):
    from transformers import LlamaConfig

    config = LlamaConfig(
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        vocab_size=32000,
    )
    folder = save_config(tmp_path / "big", config)  # config only: no weights exist to load
    with pytest.raises(ModelLoadError, match=r"6\.74B parameters need 25\.1 GiB in float32") as caught:
        load_model(folder, device="cpu", memory_bytes=16 * 2**30)
    assert caught.value.kind == "too_big"


def test_a_model_that_is_not_a_causal_lm_is_refused(tmp_path):
    from transformers import ViTConfig

    folder = save_config(
        tmp_path / "vit", ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2)
    )
    with pytest.raises(ModelLoadError, match="no causal-LM class") as caught:
        load_model(folder, device="cpu")
    assert caught.value.kind == "unsupported"


def test_a_model_that_needs_remote_code_is_refused(tmp_path):
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "my-own-lm",
                "architectures": ["MyOwnForCausalLM"],
                "auto_map": {
                    "AutoConfig": "configuration_my.MyConfig",
                    "AutoModelForCausalLM": "modeling_my.MyOwnForCausalLM",
                },
            }
        )
    )
    with pytest.raises(ModelLoadError, match="remote code") as caught:
        load_model(str(folder), device="cpu")
    assert caught.value.kind == "unsupported"


def test_a_pre_quantised_checkpoint_is_refused(tmp_path):
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)
    config.quantization_config = {"quant_method": "gptq", "bits": 4}
    with pytest.raises(ModelLoadError, match="pre-quantised"):
        load_model(save_config(tmp_path / "q", config), device="cpu")


def test_model_specs_are_classified(tmp_path):
    assert parse_source("org/name").source == "hub"
    with pytest.raises(ModelLoadError, match="neither an existing path"):
        parse_source("not a model")
    with pytest.raises(ModelLoadError, match="no packaged model"):
        parse_source("pkg:nothing_here")
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert parse_source(str(gguf)) == ModelSource("gguf", str(tmp_path), "m", gguf_file="m.gguf")


class FakeHub(BaseHTTPRequestHandler):
    """The two Hub API calls the loader makes: model info and the access check."""

    def do_GET(self):
        if self.path.startswith("/api/models/org/gated/auth-check"):
            return self.reply(
                403, {"error": "gated"}, {"X-Error-Code": "GatedRepo", "X-Error-Message": "gated"}
            )
        for name, gated in (("org/open", False), ("org/gated", "manual")):
            if self.path.startswith(f"/api/models/{name}"):
                return self.reply(
                    200,
                    {
                        "id": name,
                        "sha": SHA,
                        "gated": gated,
                        "private": False,
                        "cardData": {"license": "apache-2.0"},
                        "siblings": [],
                    },
                )
        return self.reply(404, {"error": "not found"}, {"X-Error-Code": "RepoNotFound"})

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def hub_api():
    from huggingface_hub import HfApi

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield HfApi(endpoint=f"http://127.0.0.1:{server.server_port}", token=False)
    server.shutdown()
    server.server_close()


def test_hub_model_is_pinned_to_a_commit_with_its_licence(hub_api):
    pinned = resolve_hub(ModelSource("hub", "org/open", "org/open"), api=hub_api)
    assert pinned.revision == SHA and pinned.license == "apache-2.0"


def test_gated_repo_is_a_clear_error(hub_api):
    with pytest.raises(ModelLoadError, match="gated repo") as caught:
        resolve_hub(ModelSource("hub", "org/gated", "org/gated"), api=hub_api)
    assert caught.value.kind == "gated"


def test_unknown_repo_is_not_found(hub_api):
    with pytest.raises(ModelLoadError) as caught:
        resolve_hub(ModelSource("hub", "org/missing", "org/missing"), api=hub_api)
    assert caught.value.kind == "not_found"
