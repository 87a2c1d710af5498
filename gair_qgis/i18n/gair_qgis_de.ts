<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>AlgorithmDock</name>
    <message>
        <source>Keep every result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ticked: each run adds a new layer and keeps its file. Not ticked: a new result replaces this dock&apos;s previous one and its file (in a temporary folder until the project is saved).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the GAIR user guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This model is {}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trained model: {}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results go to {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> The map still shows the previous result, named “{}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usable model package; open the GAIR model manager.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DependenciesDialog</name>
    <message>
        <source>GAIR: install the Python dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot install: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GAIR runs its models on onnxruntime. With QGIS&apos;s own Python, pip will:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>into {} (a folder of your QGIS profile; no admin rights needed, kept across plugin updates). Needs internet access to pypi.org.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not start QGIS&apos;s Python: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>see the log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DependencyOffer</name>
    <message>
        <source>{}: the GAIR algorithms need it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DependencyPanel</name>
    <message>
        <source>Dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install onnxruntime with QGIS&apos;s Python into your QGIS profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete what the installer put into your QGIS profile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installed by the plugin in {}: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install it with the button below (the plugin&apos;s dependency installer).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repair…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove GAIR&apos;s dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete {}? GAIR needs onnxruntime; you can install it again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>onnxruntime stays loaded until QGIS restarts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not removed: {}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>checkpoint.pth of Hugging Face PingL/GAIR (about 814 MB, Apache-2.0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authentication</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the address of the checkpoint to download.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the folder to write the package to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} already exists; choose another folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GairAlgorithm</name>
    <message>
        <source>tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pixels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{what} needs {needed} {unit}, more than the limit of {limit}; {fix}, or raise the limit ({sources})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled by the user; no output was written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{}; check the file and the folder&apos;s permissions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Street view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remote sensing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>onnxruntime is not installed in QGIS&apos;s Python</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model (an installed package, or a package folder; default: the active model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bands in model order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 in this order; default: found from the band names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model: {name} ({folder}); execution provider {provider}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model package {} is UNTRAINED (random weights): its outputs exercise the pipeline but carry no meaning. Import the released GAIR checkpoint for real results.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BANDS lists {count} band(s) {chosen}; give exactly {wanted} band numbers between 1 and {bands}, for {names} in that order (on the command line: BANDS=2,3,4,... or BANDS=2;3;4;...)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error} With the BANDS parameter, list {count} band numbers of the raster for {names}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>BANDS {} is not a list of band numbers such as 2,3,4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the raster {}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GairProvider</name>
    <message>
        <source>GAIR geo-foundation model (remote sensing, street view, location)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HeatmapDock</name>
    <message>
        <source>not set: click on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One model tile around the point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The current map view (tiled)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run when I click on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RS layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Taken at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(photo GPS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Now click on the map where the photo was taken.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>choose the RS layer and the photo, then press Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>press Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your click set where the photo was taken: {}. Now {}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Still working on the previous click; click again when it is done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your click set where the photo was taken: {}. Computing the heatmap of the tile around it…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an RS raster layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a street-view photo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click on the map where the photo was taken.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <source>Replace if it exists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the checkpoint file to import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the folder to write the package to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} already exists; choose another folder or tick Replace.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LocationDock</name>
    <message>
        <source>PCA colour view (3 bands)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Full embedding (one band per dimension)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similarity to a place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similarity to a photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>click on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CRS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pixel size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reference place</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reference photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the output CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the area to map (or show something on the map first).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click on the map to choose the reference place.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the reference photo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>similarity to {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PCA view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>embedding</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LocationRasterAlgorithm</name>
    <message>
        <source>Location embedding raster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Extent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output CRS (default: the extent&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pixel size in the output CRS&apos;s units (default: 256 pixels across)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reference location (similarity output)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reference photo (similarity output)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Location raster</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelManagerDock</name>
    <message>
        <source>GAIR</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PackageList</name>
    <message>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a GAIR model package folder (with its model.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make it the active model: every dock and Processing algorithm uses it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make an int8 copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active model: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete this package from your QGIS profile (it asks first)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take this folder off the list (its files stay where they are)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only packages GAIR downloaded or imported, and folders you added, can be removed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs the Python package onnx, which GAIR&apos;s dependency installer does not install; the command line makes int8 copies: python -m gair_qgis.runtime.quantize</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This package is already an int8 copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write an int8-quantized copy of this package into your QGIS profile (faster on CPU)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GAIR model package folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not added: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added {}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making an int8 copy of {}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No int8 copy: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} is off the list; its folder was not touched.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove a GAIR model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete {} ({:.0f} MB) from your QGIS profile? You can download or import it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not removed: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {} ({:.0f} MB freed).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PackageTaskPanel</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PhotoPicker</name>
    <message>
        <source>Street-view photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read this photo</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PointPickerRow</name>
    <message>
        <source>Pick on map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click on the map to set the point</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(clicked)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Picking: click the map</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PredictionsDock</name>
    <message>
        <source>Also write a raster (a pixel per tile)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RS layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All heads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this model package has no prediction heads for tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} (photo head: use gair:svpoints)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an RS raster layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The chosen model package has no prediction heads; choose another one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} tile(s); one layer per prediction head.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProviderPanel</name>
    <message>
        <source>Execution provider</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Force CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the selected model on onnxruntime and show the provider it runs on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run GAIR on the CPU even where a GPU execution provider is available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy versions, execution providers and paths for a bug report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No execution provider: {} (see Dependencies below).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>onnxruntime {}; available: {}.
Active: {}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (requested)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{} (measured)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the model: {}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RsEmbedAlgorithm</name>
    <message>
        <source>Encode raster tiles (RS embeddings)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sentinel-2 L2A raster (any CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area to encode (default: the whole raster)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stride as a fraction of the tile size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles per batch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raster to write</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PCA output pixel size in the raster&apos;s CRS units (default: the raster&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedding raster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles encoded by this run (others came from the cache)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPanel</name>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A run is in progress; wait for it or cancel it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done in {:.1f} s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled; nothing was added.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SvHeatmapAlgorithm</name>
    <message>
        <source>Street-view similarity heatmap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sentinel-2 L2A raster (any CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Street-view photo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the photo was taken</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile to encode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area to map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output pixel size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similarity heatmap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles encoded by this run (others came from the cache)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similarity at the photo&apos;s point</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SvPointsAlgorithm</name>
    <message>
        <source>Street-view photo points: similarity and predictions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Photo path field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for relative photo paths (default: the layer&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sentinel-2 L2A raster (any CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Head name (default: every head of the model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Points with similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Points evaluated</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TilePredictAlgorithm</name>
    <message>
        <source>Predict per tile (model heads)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sentinel-2 L2A raster (any CRS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Head name (default: all tile heads)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area (default: the whole raster)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tile predictions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prediction raster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
