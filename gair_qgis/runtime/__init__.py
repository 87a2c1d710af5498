"""The torch-free GAIR runtime: numpy + onnxruntime, no QGIS. Runs and is tested on its own."""
