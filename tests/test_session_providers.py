"""Which onnxruntime execution providers the runtime asks for (`runtime.session.choose_providers`)."""

from __future__ import annotations

import onnxruntime

from gair_qgis.runtime.session import PROVIDER_PREFERENCE, GAIRRuntime, choose_providers

CPU = "CPUExecutionProvider"


def test_the_best_available_provider_comes_first_and_cpu_last():
    available = [CPU, "AzureExecutionProvider", "CUDAExecutionProvider", "DmlExecutionProvider"]
    assert choose_providers(available) == ["CUDAExecutionProvider", "DmlExecutionProvider", CPU]


def test_force_cpu_asks_for_the_cpu_only():
    assert choose_providers(["CUDAExecutionProvider", CPU], force_cpu=True) == [CPU]


def test_providers_outside_the_preference_list_are_never_requested():
    assert choose_providers(["TensorrtExecutionProvider", "AzureExecutionProvider"]) == [CPU]
    assert choose_providers([]) == [CPU]
    assert PROVIDER_PREFERENCE[-1] == CPU


def test_this_machines_onnxruntime_gets_a_provider_it_has_and_force_cpu_runs_on_the_cpu():
    available = onnxruntime.get_available_providers()
    chosen = choose_providers(available)
    assert set(chosen) <= set(available) and chosen[-1] == CPU
    runtime = GAIRRuntime(force_cpu=True)
    assert runtime.provider == CPU
    runtime.close()
    assert GAIRRuntime().provider == chosen[0]
