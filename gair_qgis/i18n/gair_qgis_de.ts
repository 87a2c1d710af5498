<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>AlgorithmDock</name>
    <message>
        <source>Keep every result</source>
        <translation>Jedes Ergebnis behalten</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <source>Open the GAIR user guide</source>
        <translation>Das GAIR-Benutzerhandbuch öffnen</translation>
    </message>
    <message>
        <source>This model is {}.</source>
        <translation>Dieses Modell ist {}.</translation>
    </message>
    <message>
        <source>Trained model: {}.</source>
        <translation>Trainiertes Modell: {}.</translation>
    </message>
    <message>
        <source>Results go to {}</source>
        <translation>Ergebnisse werden gespeichert in {}</translation>
    </message>
    <message>
        <source> The map still shows the previous result, named “{}”.</source>
        <translation> Die Karte zeigt noch das vorige Ergebnis mit dem Namen „{}“.</translation>
    </message>
    <message>
        <source>No usable model package; open the GAIR model manager.</source>
        <translation>Kein verwendbares Modellpaket; öffnen Sie die GAIR-Modellverwaltung.</translation>
    </message>
    <message>
        <source>onnxruntime works now: run again.</source>
        <translation>onnxruntime funktioniert jetzt: Starten Sie den Lauf erneut.</translation>
    </message>
    <message>
        <source>Ticked: each run adds a new layer and keeps its file. Not ticked: a new result replaces this dock&apos;s previous one and its file.</source>
        <translation>Angehakt: Jeder Lauf fügt einen neuen Layer hinzu und behält seine Datei. Nicht angehakt: Ein neues Ergebnis ersetzt das vorige Ergebnis dieses Bedienfelds und dessen Datei.</translation>
    </message>
    <message>
        <source>[previous] </source>
        <translation>[vorheriges] </translation>
    </message>
</context>
<context>
    <name>DependenciesDialog</name>
    <message>
        <source>GAIR: install the Python dependencies</source>
        <translation>GAIR: Python-Abhängigkeiten installieren</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Installieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Cannot install: {}</source>
        <translation>Kann nicht installiert werden: {}</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>Reparieren</translation>
    </message>
    <message>
        <source>GAIR runs its models on onnxruntime. With QGIS&apos;s own Python, pip will:</source>
        <translation>GAIR führt seine Modelle mit onnxruntime aus. Mit QGIS' eigenem Python wird pip:</translation>
    </message>
    <message>
        <source>into {} (a folder of your QGIS profile; no admin rights needed, kept across plugin updates). Needs internet access to pypi.org.</source>
        <translation>nach {} (ein Ordner Ihres QGIS-Profils; keine Administratorrechte nötig, bleibt bei Plugin-Aktualisierungen erhalten). Benötigt Internetzugang zu pypi.org.</translation>
    </message>
    <message>
        <source>Cannot</source>
        <translation>Kann nicht</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Wird installiert …</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen …</translation>
    </message>
    <message>
        <source>Could not start QGIS&apos;s Python: {}</source>
        <translation>QGIS' Python konnte nicht gestartet werden: {}</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed.</source>
        <translation>Abgebrochen; nichts wurde geändert.</translation>
    </message>
    <message>
        <source>Failed: {}</source>
        <translation>Fehlgeschlagen: {}</translation>
    </message>
    <message>
        <source>see the log</source>
        <translation>siehe Protokoll</translation>
    </message>
    <message>
        <source>Also install the region extras (Dask, Zarr) for the embedding-field algorithms</source>
        <translation>Auch die Regions-Extras (Dask, Zarr) für die Einbettungsfeld-Algorithmen installieren</translation>
    </message>
    <message>
        <source>dask[distributed], zarr 2 and numcodecs, which gair:fieldbuild, fieldsearch and fieldheatmap need; about 85 MB more</source>
        <translation>dask[distributed], zarr 2 und numcodecs, die gair:fieldbuild, fieldsearch und fieldheatmap benötigen; etwa 85 MB mehr</translation>
    </message>
</context>
<context>
    <name>DependencyOffer</name>
    <message>
        <source>{}: the GAIR algorithms need it.</source>
        <translation>{}: Die GAIR-Algorithmen benötigen es.</translation>
    </message>
    <message>
        <source>Install…</source>
        <translation>Installieren …</translation>
    </message>
</context>
<context>
    <name>DependencyPanel</name>
    <message>
        <source>Dependencies</source>
        <translation>Abhängigkeiten</translation>
    </message>
    <message>
        <source>Install…</source>
        <translation>Installieren …</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Install onnxruntime with QGIS&apos;s Python into your QGIS profile</source>
        <translation>onnxruntime mit QGIS' Python in Ihr QGIS-Profil installieren</translation>
    </message>
    <message>
        <source>Delete what the installer put into your QGIS profile</source>
        <translation>Löschen, was das Installationsprogramm in Ihr QGIS-Profil gelegt hat</translation>
    </message>
    <message>
        <source>Installed by the plugin in {}: {}</source>
        <translation>Vom Plugin installiert in {}: {}</translation>
    </message>
    <message>
        <source>Install it with the button below (the plugin&apos;s dependency installer).</source>
        <translation>Installieren Sie es mit der Schaltfläche unten (dem Abhängigkeits-Installationsprogramm des Plugins).</translation>
    </message>
    <message>
        <source>Repair…</source>
        <translation>Reparieren …</translation>
    </message>
    <message>
        <source>Remove GAIR&apos;s dependencies</source>
        <translation>GAIR-Abhängigkeiten entfernen</translation>
    </message>
    <message>
        <source>Delete {}? GAIR needs onnxruntime; you can install it again later.</source>
        <translation>{} löschen? GAIR benötigt onnxruntime; Sie können es später erneut installieren.</translation>
    </message>
    <message>
        <source>Removed {}.</source>
        <translation>{} entfernt.</translation>
    </message>
    <message>
        <source>onnxruntime stays loaded until QGIS restarts.</source>
        <translation>onnxruntime bleibt geladen, bis QGIS neu gestartet wird.</translation>
    </message>
    <message>
        <source>Not removed: {}</source>
        <translation>Nicht entfernt: {}</translation>
    </message>
    <message>
        <source>the plugin&apos;s folder</source>
        <translation>dem Ordner des Plugins</translation>
    </message>
    <message>
        <source>QGIS&apos;s Python ({})</source>
        <translation>dem Python von QGIS ({})</translation>
    </message>
    <message>
        <source>onnxruntime {} from {}</source>
        <translation>onnxruntime {} aus {}</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>checkpoint.pth of Hugging Face PingL/GAIR (about 814 MB, Apache-2.0)</source>
        <translation>checkpoint.pth von Hugging Face PingL/GAIR (etwa 814 MB, Apache-2.0)</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Write to</source>
        <translation>Schreiben nach</translation>
    </message>
    <message>
        <source>Authentication</source>
        <translation>Authentifizierung</translation>
    </message>
    <message>
        <source>Give the address of the checkpoint to download.</source>
        <translation>Geben Sie die Adresse des herunterzuladenden Checkpoints an.</translation>
    </message>
    <message>
        <source>Choose the folder to write the package to.</source>
        <translation>Wählen Sie den Ordner, in den das Paket geschrieben wird.</translation>
    </message>
    <message>
        <source>{} already exists; choose another folder.</source>
        <translation>{} existiert bereits; wählen Sie einen anderen Ordner.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt …</translation>
    </message>
    <message>
        <source>Download GAIR</source>
        <translation>GAIR herunterladen</translation>
    </message>
    <message>
        <source>About 814 MB from Hugging Face (PingL/GAIR, Apache-2.0), through QGIS&apos;s network settings (proxy); an interrupted download resumes.</source>
        <translation>Etwa 814 MB von Hugging Face (PingL/GAIR, Apache-2.0), über die Netzwerkeinstellungen von QGIS (Proxy); ein unterbrochener Download wird fortgesetzt.</translation>
    </message>
    <message>
        <source>Optional: 64 hex digits, to check the file</source>
        <translation>Optional: 64 Hex-Ziffern, zur Prüfung der Datei</translation>
    </message>
    <message>
        <source>The SHA-256 published with the file (64 hexadecimal digits). When given, a downloaded file with another hash is removed and nothing is installed. Leave it empty to skip the check.</source>
        <translation>Die mit der Datei veröffentlichte SHA-256-Prüfsumme (64 Hexadezimalziffern). Ist sie angegeben, wird eine heruntergeladene Datei mit einer anderen Prüfsumme entfernt und nichts installiert. Leer lassen, um die Prüfung auszulassen.</translation>
    </message>
    <message>
        <source>Expected SHA-256</source>
        <translation>Erwartete SHA-256</translation>
    </message>
    <message>
        <source>Not started: the expected SHA-256 must be 64 hexadecimal digits (0-9, a-f); this one has {} characters, {} of them not hexadecimal. Copy it whole from where the file is published, or leave the field empty.</source>
        <translation>Nicht gestartet: Die erwartete SHA-256 muss aus 64 Hexadezimalziffern (0-9, a-f) bestehen; diese hat {} Zeichen, davon {} nicht hexadezimal. Kopieren Sie sie vollständig von dort, wo die Datei veröffentlicht ist, oder lassen Sie das Feld leer.</translation>
    </message>
</context>
<context>
    <name>DownloadTask</name>
    <message>
        <source>GAIR: download {}</source>
        <translation>GAIR: {} herunterladen</translation>
    </message>
    <message>
        <source>{} downloaded and imported to {}</source>
        <translation>{} heruntergeladen und nach {} importiert</translation>
    </message>
    <message>
        <source>cancelled; nothing was installed (download again to resume)</source>
        <translation>abgebrochen; nichts wurde installiert (erneut herunterladen, um fortzusetzen)</translation>
    </message>
</context>
<context>
    <name>FieldAlgorithm</name>
    <message>
        <source>Region (embedding fields)</source>
        <translation>Region (Einbettungsfelder)</translation>
    </message>
    <message>
        <source>Embedding field (a .zarr folder)</source>
        <translation>Einbettungsfeld (ein .zarr-Ordner)</translation>
    </message>
    <message>
        <source>Street-view photo</source>
        <translation>Straßenansichtsfoto</translation>
    </message>
    <message>
        <source>FIELD is empty; give a field built with gair:fieldbuild</source>
        <translation>FIELD ist leer; geben Sie ein mit gair:fieldbuild erstelltes Feld an</translation>
    </message>
    <message>
        <source>{} not installed in QGIS&apos;s Python; install the region extras: GAIR models dock &gt; Dependencies &gt; Install with the region extras ticked, or with QGIS&apos;s Python from the QGIS plugins folder: python3 -m gair_qgis.deps install --regions (outside QGIS: pip install &apos;dask[distributed]&apos; &apos;zarr&gt;=2.16,&lt;3&apos; numcodecs)</source>
        <translation>{} ist in QGIS' Python nicht installiert; installieren Sie die Regions-Extras: GAIR-Modelle-Dock &gt; Abhängigkeiten &gt; Installieren mit angehakten Regions-Extras, oder mit QGIS' Python aus dem QGIS-Plugin-Ordner: python3 -m gair_qgis.deps install --regions (außerhalb von QGIS: pip install 'dask[distributed]' 'zarr&gt;=2.16,&lt;3' numcodecs)</translation>
    </message>
</context>
<context>
    <name>FieldBuildAlgorithm</name>
    <message>
        <source>Build an embedding field (Dask)</source>
        <translation>Einbettungsfeld erstellen (Dask)</translation>
    </message>
    <message>
        <source>Rasters (any CRS)</source>
        <translation>Raster (beliebiges KBS)</translation>
    </message>
    <message>
        <source>Embedding field (.zarr)</source>
        <translation>Einbettungsfeld (.zarr)</translation>
    </message>
    <message>
        <source>Zarr store</source>
        <translation>Zarr-Speicher</translation>
    </message>
    <message>
        <source>PCA view</source>
        <translation>PCA-Ansicht</translation>
    </message>
    <message>
        <source>Tiles encoded</source>
        <translation>Kodierte Kacheln</translation>
    </message>
    <message>
        <source>no input: give rasters (INPUTS) or a folder of band files (FOLDER)</source>
        <translation>keine Eingabe: geben Sie Raster (INPUTS) oder einen Ordner mit Banddateien (FOLDER) an</translation>
    </message>
    <message>
        <source>OUTPUT {} must end with .zarr</source>
        <translation>OUTPUT {} muss auf .zarr enden</translation>
    </message>
    <message>
        <source>{field}: {chunks} chunk(s), {skipped} already complete, {tiles} tiles encoded in {seconds:.1f} s ({rate:.1f} tiles/s) on {workers} worker(s)</source>
        <translation>{field}: {chunks} Chunk(s), {skipped} bereits vollständig, {tiles} Kacheln in {seconds:.1f} s kodiert ({rate:.1f} Kacheln/s) auf {workers} Worker(n)</translation>
    </message>
    <message>
        <source>PCA view of {}</source>
        <translation>PCA-Ansicht von {}</translation>
    </message>
    <message>
        <source>Encodes every tile of one fixed grid over the &lt;b&gt;{INPUTS}&lt;/b&gt; and the &lt;b&gt;{FOLDER}&lt;/b&gt; (single-band files of one Sentinel-2 scene) with the model&apos;s RS encoder, once, into an embedding field: a Zarr store that GDAL, QGIS and xarray open, with the PCA view (three components as RGB) beside it, which is loaded as a layer.

The work runs on Dask: by default a local cluster of one single-threaded worker process per core (&lt;b&gt;{WORKERS}&lt;/b&gt;); the &lt;b&gt;{SCHEDULER}&lt;/b&gt; (default: the setting gair/dask_scheduler) sends it to a Dask cluster instead (tcp://host:8786; start one with `dask scheduler` and `dask worker ADDRESS`). An existing field is resumed (complete chunks are skipped, damaged ones redone) or extended with new rasters of the same grid.

With &lt;b&gt;{TOKENS}&lt;/b&gt;, each tile&apos;s per-cell tables (float16) are stored too, so fine heatmaps (gair:fieldheatmap) never re-encode.</source>
        <translation>Kodiert jede Kachel eines festen Gitters über den Eingaben &lt;b&gt;{INPUTS}&lt;/b&gt; und &lt;b&gt;{FOLDER}&lt;/b&gt; (Einzelbanddateien einer Sentinel-2-Szene) einmal mit dem Fernerkundungs-Encoder des Modells in ein Einbettungsfeld: einen Zarr-Speicher, den GDAL, QGIS und xarray öffnen, mit der PCA-Ansicht (drei Komponenten als RGB) daneben, die als Layer geladen wird.

Die Arbeit läuft auf Dask: standardmäßig ein lokaler Cluster mit einem einfädigen Worker-Prozess je Kern (&lt;b&gt;{WORKERS}&lt;/b&gt;); der &lt;b&gt;{SCHEDULER}&lt;/b&gt; (Vorgabe: die Einstellung gair/dask_scheduler) schickt sie stattdessen an einen Dask-Cluster (tcp://host:8786; starten Sie einen mit `dask scheduler` und `dask worker ADRESSE`). Ein vorhandenes Feld wird fortgesetzt (vollständige Chunks werden übersprungen, beschädigte neu erstellt) oder um neue Raster desselben Gitters erweitert.

Mit &lt;b&gt;{TOKENS}&lt;/b&gt; werden zusätzlich die Tabellen je Zelle jeder Kachel (float16) gespeichert, damit feine Heatmaps (gair:fieldheatmap) nie neu kodieren.</translation>
    </message>
    <message>
        <source>Band files folder</source>
        <translation>Ordner mit Banddateien</translation>
    </message>
    <message>
        <source>Optional: a folder of one Sentinel-2 scene&apos;s single-band files.</source>
        <translation>Optional: ein Ordner mit den Einzelbanddateien einer Sentinel-2-Szene.</translation>
    </message>
    <message>
        <source>Field CRS</source>
        <translation>KBS des Feldes</translation>
    </message>
    <message>
        <source>Default: the first raster&apos;s CRS.</source>
        <translation>Vorgabe: das KBS des ersten Rasters.</translation>
    </message>
    <message>
        <source>Store per-cell tables</source>
        <translation>Tabellen je Zelle speichern</translation>
    </message>
    <message>
        <source>Needed for fine heatmaps (gair:fieldheatmap); the field gets larger.</source>
        <translation>Nötig für feine Heatmaps (gair:fieldheatmap); das Feld wird größer.</translation>
    </message>
    <message>
        <source>Dask scheduler</source>
        <translation>Dask-Scheduler</translation>
    </message>
    <message>
        <source>An address such as tcp://host:8786. Empty: a local cluster.</source>
        <translation>Eine Adresse wie tcp://host:8786. Leer: ein lokaler Cluster.</translation>
    </message>
    <message>
        <source>Local workers</source>
        <translation>Lokale Worker</translation>
    </message>
    <message>
        <source>Worker processes of the local cluster; 0: one per core.</source>
        <translation>Worker-Prozesse des lokalen Clusters; 0: einer je Kern.</translation>
    </message>
    <message>
        <source>Chunk size (tiles)</source>
        <translation>Chunk-Größe (Kacheln)</translation>
    </message>
    <message>
        <source>Tiles per chunk side, one Dask task each; 0: the default.</source>
        <translation>Kacheln je Chunk-Seite, je eine Dask-Aufgabe; 0: die Vorgabe.</translation>
    </message>
</context>
<context>
    <name>FieldHeatmapAlgorithm</name>
    <message>
        <source>Fine heatmap from an embedding field</source>
        <translation>Feine Heatmap aus einem Einbettungsfeld</translation>
    </message>
    <message>
        <source>Extent</source>
        <translation>Ausdehnung</translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <source>EXTENT is empty; give an area with a width and a height</source>
        <translation>EXTENT ist leer; geben Sie ein Gebiet mit einer Breite und einer Höhe an</translation>
    </message>
    <message>
        <source>The fine similarity heatmap of a photo over the &lt;b&gt;{EXTENT}&lt;/b&gt; of an embedding field built with per-cell tables (gair:fieldbuild&apos;s per-cell tables option): the NILI cosine at every output pixel from the stored tables; nothing is re-encoded. &lt;b&gt;{PIXEL_SIZE}&lt;/b&gt; in the field&apos;s map units (default: the model&apos;s pixel).</source>
        <translation>Die feine Ähnlichkeits-Heatmap eines Fotos über der &lt;b&gt;{EXTENT}&lt;/b&gt; eines Einbettungsfeldes, das mit Tabellen je Zelle erstellt wurde (Option „Tabellen je Zelle“ von gair:fieldbuild): der NILI-Kosinus an jedem Ausgabepixel aus den gespeicherten Tabellen; nichts wird neu kodiert. &lt;b&gt;{PIXEL_SIZE}&lt;/b&gt; in den Karteneinheiten des Feldes (Vorgabe: das Pixel des Modells).</translation>
    </message>
    <message>
        <source>Pixel size</source>
        <translation>Pixelgröße</translation>
    </message>
    <message>
        <source>In the field&apos;s map units. Default: the model&apos;s pixel.</source>
        <translation>In den Karteneinheiten des Feldes. Vorgabe: das Pixel des Modells.</translation>
    </message>
</context>
<context>
    <name>FieldSearchAlgorithm</name>
    <message>
        <source>Search an embedding field with a photo</source>
        <translation>Ein Einbettungsfeld mit einem Foto durchsuchen</translation>
    </message>
    <message>
        <source>Places per ranking</source>
        <translation>Orte je Rangfolge</translation>
    </message>
    <message>
        <source>Similarity raster</source>
        <translation>Ähnlichkeitsraster</translation>
    </message>
    <message>
        <source>Top places</source>
        <translation>Beste Orte</translation>
    </message>
    <message>
        <source>Where in the field was this photo taken? Compares the photo&apos;s projected street-view embedding with the embedding of every tile of the &lt;b&gt;{FIELD}&lt;/b&gt; (band 1, rs_cosine) and with the location embedding of every tile centre (band 2, location_cosine); band 3 is the sum of their z-scores. The best tiles of each ranking (&lt;b&gt;{TOP}&lt;/b&gt;; rankings rs, location, combined; with per-cell tables also rs_refined: the best point inside each best tile) are written as points with rank, score and tile.</source>
        <translation>Wo im Feld wurde dieses Foto aufgenommen? Vergleicht die projizierte Straßenansichts-Einbettung des Fotos mit der Einbettung jeder Kachel von &lt;b&gt;{FIELD}&lt;/b&gt; (Band 1, rs_cosine) und mit der Orts-Einbettung jedes Kachelmittelpunkts (Band 2, location_cosine); Band 3 ist die Summe ihrer z-Werte. Die besten Kacheln jeder Rangfolge (&lt;b&gt;{TOP}&lt;/b&gt;; Rangfolgen rs, location, combined; mit Tabellen je Zelle auch rs_refined: der beste Punkt in jeder besten Kachel) werden als Punkte mit Rang, Wert und Kachel geschrieben.</translation>
    </message>
    <message>
        <source>Minimum coverage (%)</source>
        <translation>Mindestabdeckung (%)</translation>
    </message>
    <message>
        <source>The percent of a tile with data that it needs to be ranked.</source>
        <translation>Der Anteil einer Kachel mit Daten in Prozent, den sie braucht, um in die Rangfolge zu kommen.</translation>
    </message>
</context>
<context>
    <name>GairAlgorithm</name>
    <message>
        <source>tiles</source>
        <translation>Kacheln</translation>
    </message>
    <message>
        <source>pixels</source>
        <translation>Pixel</translation>
    </message>
    <message>
        <source>{what} needs {needed} {unit}, more than the limit of {limit}; {fix}, or raise the limit ({sources})</source>
        <translation>{what} benötigt {needed} {unit}, mehr als die Grenze von {limit}; {fix} oder erhöhen Sie die Grenze ({sources})</translation>
    </message>
    <message>
        <source>cancelled by the user; no output was written</source>
        <translation>vom Benutzer abgebrochen; es wurde keine Ausgabe geschrieben</translation>
    </message>
    <message>
        <source>{}; check the file and the folder&apos;s permissions</source>
        <translation>{}; prüfen Sie die Datei und die Berechtigungen des Ordners</translation>
    </message>
    <message>
        <source>Street view</source>
        <translation>Straßenansicht</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <source>Remote sensing</source>
        <translation>Fernerkundung</translation>
    </message>
    <message>
        <source>onnxruntime is not installed in QGIS&apos;s Python</source>
        <translation>onnxruntime ist in QGIS' Python nicht installiert</translation>
    </message>
    <message>
        <source>Bands in model order</source>
        <translation>Bänder in Modellreihenfolge</translation>
    </message>
    <message>
        <source>B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 in this order; default: found from the band names</source>
        <translation>B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 in dieser Reihenfolge; Vorgabe: aus den Bandnamen ermittelt</translation>
    </message>
    <message>
        <source>Model: {name} ({folder}); execution provider {provider}</source>
        <translation>Modell: {name} ({folder}); Execution Provider {provider}</translation>
    </message>
    <message>
        <source>The model package {} is UNTRAINED (random weights): its outputs exercise the pipeline but carry no meaning. Import the released GAIR checkpoint for real results.</source>
        <translation>Das Modellpaket {} ist UNTRAINIERT (Zufallsgewichte): Seine Ausgaben testen die Verarbeitungskette, haben aber keine Aussagekraft. Importieren Sie den veröffentlichten GAIR-Checkpoint für echte Ergebnisse.</translation>
    </message>
    <message>
        <source>BANDS lists {count} band(s) {chosen}; give exactly {wanted} band numbers between 1 and {bands}, for {names} in that order (on the command line: BANDS=2,3,4,... or BANDS=2;3;4;...)</source>
        <translation>BANDS nennt {count} Band/Bänder {chosen}; geben Sie genau {wanted} Bandnummern zwischen 1 und {bands} an, für {names} in dieser Reihenfolge (auf der Kommandozeile: BANDS=2,3,4,... oder BANDS=2;3;4;...)</translation>
    </message>
    <message>
        <source>{error} With the BANDS parameter, list {count} band numbers of the raster for {names}.</source>
        <translation>{error} Geben Sie mit dem Parameter BANDS {count} Bandnummern des Rasters für {names} an.</translation>
    </message>
    <message>
        <source>BANDS {} is not a list of band numbers such as 2,3,4</source>
        <translation>BANDS {} ist keine Liste von Bandnummern wie 2,3,4</translation>
    </message>
    <message>
        <source>the raster {}</source>
        <translation>das Raster {}</translation>
    </message>
    <message>
        <source>the output {} already exists and is not overwritten; delete it or choose another file name</source>
        <translation>die Ausgabe {} existiert bereits und wird nicht überschrieben; löschen Sie sie oder wählen Sie einen anderen Dateinamen</translation>
    </message>
    <message>
        <source>&lt;b&gt;Command line&lt;/b&gt; (qgis_process, processing.run): the parameter IDs are {}.</source>
        <translation>&lt;b&gt;Befehlszeile&lt;/b&gt; (qgis_process, processing.run): Die Parameter-IDs sind {}.</translation>
    </message>
    <message>
        <source>Sentinel-2 L2A raster (any CRS)</source>
        <translation>Sentinel-2-L2A-Raster (beliebiges KBS)</translation>
    </message>
    <message>
        <source>Tiles</source>
        <translation>Kacheln</translation>
    </message>
    <message>
        <source>Tiles encoded by this run (others came from the cache)</source>
        <translation>In diesem Lauf kodierte Kacheln (die übrigen kamen aus dem Cache)</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>An installed model package (offered in the list) or a package folder. Default: the active model.</source>
        <translation>Ein installiertes Modellpaket (in der Liste angeboten) oder ein Paketordner. Vorgabe: das aktive Modell.</translation>
    </message>
    <message>
        <source>Head</source>
        <translation>Kopf</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>Alle Dateien</translation>
    </message>
    <message>
        <source>{} is not set; choose the street-view photo</source>
        <translation>{} ist nicht gesetzt; wählen Sie das Straßenansichtsfoto</translation>
    </message>
</context>
<context>
    <name>GairGui</name>
    <message>
        <source>Heatmap</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <source>Predictions</source>
        <translation>Vorhersagen</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <source>GAIR: Sentinel-2 true colour</source>
        <translation>GAIR: Sentinel-2-Echtfarben</translation>
    </message>
    <message>
        <source>This layer is not a Sentinel-2 stack GAIR recognises (bands B2, B3, B4 ... by name, or 10 or 12 bands in Sentinel-2 order).</source>
        <translation>Dieser Layer ist kein Sentinel-2-Stapel, den GAIR erkennt (Bänder B2, B3, B4 … nach Namen oder 10 bzw. 12 Bänder in Sentinel-2-Reihenfolge).</translation>
    </message>
</context>
<context>
    <name>GairProvider</name>
    <message>
        <source>GAIR geo-foundation model (remote sensing, street view, location)</source>
        <translation>GAIR-Geo-Foundation-Modell (Fernerkundung, Straßenansicht, Ort)</translation>
    </message>
</context>
<context>
    <name>HeatmapDock</name>
    <message>
        <source>One model tile around the point</source>
        <translation>Eine Modellkachel um den Punkt</translation>
    </message>
    <message>
        <source>The current map view (tiled)</source>
        <translation>Die aktuelle Kartenansicht (gekachelt)</translation>
    </message>
    <message>
        <source>Run when I click on the map</source>
        <translation>Beim Klick in die Karte ausführen</translation>
    </message>
    <message>
        <source>RS layer</source>
        <translation>Fernerkundungs-Layer</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Taken at</source>
        <translation>Aufnahmeort</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Gebiet</translation>
    </message>
    <message>
        <source>(photo GPS)</source>
        <translation>(GPS des Fotos)</translation>
    </message>
    <message>
        <source>choose the RS layer and the photo, then press Run</source>
        <translation>wählen Sie den Fernerkundungs-Layer und das Foto, dann klicken Sie auf „Ausführen“</translation>
    </message>
    <message>
        <source>press Run</source>
        <translation>klicken Sie auf „Ausführen“</translation>
    </message>
    <message>
        <source>Your click set where the photo was taken: {}. Now {}.</source>
        <translation>Ihr Klick hat den Aufnahmeort des Fotos gesetzt: {}. Jetzt {}.</translation>
    </message>
    <message>
        <source>Still working on the previous click; click again when it is done.</source>
        <translation>Der vorige Klick wird noch bearbeitet; klicken Sie erneut, wenn er fertig ist.</translation>
    </message>
    <message>
        <source>Your click set where the photo was taken: {}. Computing the heatmap of the tile around it…</source>
        <translation>Ihr Klick hat den Aufnahmeort des Fotos gesetzt: {}. Die Heatmap der Kachel darum wird berechnet …</translation>
    </message>
    <message>
        <source>Choose an RS raster layer.</source>
        <translation>Wählen Sie einen Fernerkundungs-Raster-Layer.</translation>
    </message>
    <message>
        <source>Choose a street-view photo.</source>
        <translation>Wählen Sie ein Straßenansichtsfoto.</translation>
    </message>
    <message>
        <source>Click on the map where the photo was taken.</source>
        <translation>Klicken Sie in die Karte, wo das Foto aufgenommen wurde.</translation>
    </message>
    <message>
        <source>not set: press Pick on map, then click</source>
        <translation>nicht gesetzt: „In der Karte wählen“ drücken, dann klicken</translation>
    </message>
    <message>
        <source>The photo&apos;s GPS position is set: press Run, or Pick on map to click another place.</source>
        <translation>Die GPS-Position des Fotos ist gesetzt: Klicken Sie auf „Ausführen“ oder auf „In der Karte wählen“, um einen anderen Ort anzuklicken.</translation>
    </message>
    <message>
        <source>Now press Pick on map and click where the photo was taken.</source>
        <translation>Drücken Sie jetzt „In der Karte wählen“ und klicken Sie dorthin, wo das Foto aufgenommen wurde.</translation>
    </message>
    <message>
        <source>GAIR heatmap</source>
        <translation>GAIR-Heatmap</translation>
    </message>
    <message>
        <source>Where in the satellite scene does this street-view photo fit? Choose the photo, then click on the map where it was taken: the heatmap colours each place by how well it matches the photo.</source>
        <translation>Wo in der Satellitenszene passt dieses Straßenansichtsfoto hin? Wählen Sie das Foto und klicken Sie dann in der Karte auf seinen Aufnahmeort: Die Heatmap färbt jeden Ort danach ein, wie gut er zum Foto passt.</translation>
    </message>
    <message>
        <source>{} tile(s), {} encoded now.</source>
        <translation>{} Kachel(n), {} davon jetzt kodiert.</translation>
    </message>
    <message>
        <source>{} tile(s) from the cache.</source>
        <translation>{} Kachel(n) aus dem Cache.</translation>
    </message>
    <message>
        <source>Same tile as before, so the heatmap is unchanged: it compares the photo with every place of the tile. Your click moved the photo&apos;s point (blue cross).</source>
        <translation>Dieselbe Kachel wie zuvor, daher bleibt die Heatmap unverändert: Sie vergleicht das Foto mit jedem Ort der Kachel. Ihr Klick hat den Punkt des Fotos (blaues Kreuz) verschoben.</translation>
    </message>
    <message>
        <source>Similarity at the photo&apos;s point: {:.3f}, higher than {:.0f} % of the tile.</source>
        <translation>Ähnlichkeit am Punkt des Fotos: {:.3f}, höher als auf {:.0f} % der Kachel.</translation>
    </message>
    <message>
        <source>Similarity at the photo&apos;s point: {:.3f}.</source>
        <translation>Ähnlichkeit am Punkt des Fotos: {:.3f}.</translation>
    </message>
    <message>
        <source>Search in field</source>
        <translation>Im Feld suchen</translation>
    </message>
    <message>
        <source>Search {} for the places that look like this photo (gair:fieldsearch): adds the similarity raster and the top places.</source>
        <translation>{} nach den Orten durchsuchen, die diesem Foto gleichen (gair:fieldsearch): fügt das Ähnlichkeitsraster und die besten Orte hinzu.</translation>
    </message>
    <message>
        <source>no field</source>
        <translation>kein Feld</translation>
    </message>
    <message>
        <source>top places</source>
        <translation>beste Orte</translation>
    </message>
    <message>
        <source>field similarity</source>
        <translation>Feld-Ähnlichkeit</translation>
    </message>
    <message>
        <source>{} place(s) ranked in {}.</source>
        <translation>{} Ort(e) in {} gereiht.</translation>
    </message>
    <message>
        <source>Best (combined): tile {} at {:.5f}, {:.5f}, score {:.3f}.</source>
        <translation>Bester (kombiniert): Kachel {} bei {:.5f}, {:.5f}, Wert {:.3f}.</translation>
    </message>
    <message>
        <source>{} embedding fields are in the project: select the one to search in the Layers panel.</source>
        <translation>Im Projekt sind {} Einbettungsfelder: Wählen Sie das zu durchsuchende im Layer-Bedienfeld aus.</translation>
    </message>
    <message>
        <source>No embedding field in the project: build one with gair:fieldbuild (Processing Toolbox &gt; GAIR &gt; Region (embedding fields)) and add it (its PCA view, pca_rgb.tif inside the .zarr folder, is added when the build ends).</source>
        <translation>Kein Einbettungsfeld im Projekt: Erstellen Sie eines mit gair:fieldbuild (Verarbeitungswerkzeuge &gt; GAIR &gt; Region (Einbettungsfelder)) und fügen Sie es hinzu (seine PCA-Ansicht, pca_rgb.tif im .zarr-Ordner, wird am Ende der Erstellung hinzugefügt).</translation>
    </message>
</context>
<context>
    <name>ImportCheckpointTask</name>
    <message>
        <source>GAIR: import {}</source>
        <translation>GAIR: {} importieren</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>package written to {}</source>
        <translation>Paket geschrieben nach {}</translation>
    </message>
    <message>
        <source>cancelled; nothing was written</source>
        <translation>abgebrochen; nichts wurde geschrieben</translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <source>Replace if it exists</source>
        <translation>Ersetzen, falls vorhanden</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>Checkpoint</translation>
    </message>
    <message>
        <source>Write to</source>
        <translation>Schreiben nach</translation>
    </message>
    <message>
        <source>Choose the checkpoint file to import.</source>
        <translation>Wählen Sie die zu importierende Checkpoint-Datei.</translation>
    </message>
    <message>
        <source>Choose the folder to write the package to.</source>
        <translation>Wählen Sie den Ordner, in den das Paket geschrieben wird.</translation>
    </message>
    <message>
        <source>{} already exists; choose another folder or tick Replace.</source>
        <translation>{} existiert bereits; wählen Sie einen anderen Ordner oder haken Sie „Ersetzen“ an.</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Wird importiert …</translation>
    </message>
    <message>
        <source>Import a checkpoint file</source>
        <translation>Checkpoint-Datei importieren</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Importieren</translation>
    </message>
    <message>
        <source>A checkpoint.pth in the released GAIR layout; torch is not needed.</source>
        <translation>Eine checkpoint.pth im Aufbau der veröffentlichten GAIR-Gewichte; torch wird nicht benötigt.</translation>
    </message>
    <message>
        <source>PyTorch checkpoints (*.pth *.pt *.ckpt);;All files (*)</source>
        <translation>PyTorch-Checkpoints (*.pth *.pt *.ckpt);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>LocationDock</name>
    <message>
        <source>PCA colour view (3 bands)</source>
        <translation>PCA-Farbansicht (3 Bänder)</translation>
    </message>
    <message>
        <source>Full embedding (one band per dimension)</source>
        <translation>Vollständige Einbettung (ein Band pro Dimension)</translation>
    </message>
    <message>
        <source>Similarity to a place</source>
        <translation>Ähnlichkeit zu einem Ort</translation>
    </message>
    <message>
        <source>Similarity to a photo</source>
        <translation>Ähnlichkeit zu einem Foto</translation>
    </message>
    <message>
        <source>click on the map</source>
        <translation>in die Karte klicken</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Gebiet</translation>
    </message>
    <message>
        <source>CRS</source>
        <translation>KBS</translation>
    </message>
    <message>
        <source>Pixel size</source>
        <translation>Pixelgröße</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Reference place</source>
        <translation>Referenzort</translation>
    </message>
    <message>
        <source>Reference photo</source>
        <translation>Referenzfoto</translation>
    </message>
    <message>
        <source>in {}</source>
        <translation>in {}</translation>
    </message>
    <message>
        <source>Choose the output CRS.</source>
        <translation>Wählen Sie das Ausgabe-KBS.</translation>
    </message>
    <message>
        <source>Choose the area to map (or show something on the map first).</source>
        <translation>Wählen Sie das zu kartierende Gebiet (oder zeigen Sie zuerst etwas in der Karte an).</translation>
    </message>
    <message>
        <source>Click on the map to choose the reference place.</source>
        <translation>Klicken Sie in die Karte, um den Referenzort zu wählen.</translation>
    </message>
    <message>
        <source>Choose the reference photo.</source>
        <translation>Wählen Sie das Referenzfoto.</translation>
    </message>
    <message>
        <source>location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <source>similarity to {}</source>
        <translation>Ähnlichkeit zu {}</translation>
    </message>
    <message>
        <source>PCA view</source>
        <translation>PCA-Ansicht</translation>
    </message>
    <message>
        <source>embedding</source>
        <translation>Einbettung</translation>
    </message>
    <message>
        <source>GAIR location</source>
        <translation>GAIR-Ort</translation>
    </message>
    <message>
        <source>What does GAIR know about places? Paint its location embeddings over the map view: a PCA colour view, or how similar every place is to a reference place or photo.</source>
        <translation>Was weiß GAIR über Orte? Malen Sie seine Orts-Einbettungen über die Kartenansicht: als PCA-Farbansicht oder als Ähnlichkeit jedes Ortes zu einem Referenzort oder -foto.</translation>
    </message>
</context>
<context>
    <name>LocationRasterAlgorithm</name>
    <message>
        <source>Location embedding raster</source>
        <translation>Raster der Orts-Einbettung</translation>
    </message>
    <message>
        <source>Extent</source>
        <translation>Ausdehnung</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Location raster</source>
        <translation>Ortsraster</translation>
    </message>
    <message>
        <source>PCA view (3 bands)</source>
        <translation>PCA-Ansicht (3 Bänder)</translation>
    </message>
    <message>
        <source>Embedding (D bands)</source>
        <translation>Einbettung (D Bänder)</translation>
    </message>
    <message>
        <source>Similarity to a reference (photo or location)</source>
        <translation>Ähnlichkeit zu einer Referenz (Foto oder Ort)</translation>
    </message>
    <message>
        <source>Location encoder evaluated on a lattice every {step:.1f} px ({points} points; cell centres within {error:.1e})</source>
        <translation>Orts-Encoder auf einem Gitter alle {step:.1f} px ausgewertet ({points} Punkte; Zellmittelpunkte innerhalb von {error:.1e})</translation>
    </message>
    <message>
        <source>Location encoder evaluated at every pixel</source>
        <translation>Orts-Encoder an jedem Pixel ausgewertet</translation>
    </message>
    <message>
        <source>the output</source>
        <translation>die Ausgabe</translation>
    </message>
    <message>
        <source>EXTENT is empty; give an area with a width and a height</source>
        <translation>EXTENT ist leer; geben Sie ein Gebiet mit einer Breite und einer Höhe an</translation>
    </message>
    <message>
        <source>Reference: the photo {}</source>
        <translation>Referenz: das Foto {}</translation>
    </message>
    <message>
        <source>Reference: the location ({:.6f}, {:.6f})</source>
        <translation>Referenz: der Ort ({:.6f}, {:.6f})</translation>
    </message>
    <message>
        <source>no pixel centre of EXTENT can be transformed to longitude/latitude; check the CRS</source>
        <translation>kein Pixelmittelpunkt von EXTENT lässt sich in Länge/Breite transformieren; prüfen Sie das KBS</translation>
    </message>
    <message>
        <source>Evaluates GAIR&apos;s location encoder e(lon, lat) at every pixel centre of a grid over the &lt;b&gt;{EXTENT}&lt;/b&gt; in the &lt;b&gt;{CRS}&lt;/b&gt; (default: the extent&apos;s CRS) with the &lt;b&gt;{PIXEL_SIZE}&lt;/b&gt; in that CRS&apos;s units (default: 256 pixels across the longer side). Pixel centres are transformed to EPSG:4326 with the project&apos;s transform context; pixels that cannot be transformed are nodata (-9999).

&lt;b&gt;{OUTPUT_TYPE}&lt;/b&gt;:
- PCA view: 3 bands (RGB), components from a sample of the pixels;
- Embedding: the full embedding (D float32 bands);
- Similarity: cosine similarity to a reference: the &lt;b&gt;{REFERENCE_IMAGE}&lt;/b&gt;&apos;s projected street-view embedding (the pairing GAIR is trained on) when given, else the location embedding of the &lt;b&gt;{REFERENCE_POINT}&lt;/b&gt;.

Where the pixels are finer than the encoder&apos;s highest spatial frequency needs, the encoder is evaluated on a coarser lattice and interpolated, certified at every lattice cell centre to stay within the &lt;b&gt;{TOLERANCE}&lt;/b&gt; (default 0.001) of the exact output; 0 evaluates every pixel.

The number of pixels is limited (GAIR_MAX_PIXELS / QGIS setting gair/max_pixels).</source>
        <translation>Wertet GAIRs Orts-Encoder e(lon, lat) an jedem Pixelmittelpunkt eines Gitters über der &lt;b&gt;{EXTENT}&lt;/b&gt; im &lt;b&gt;{CRS}&lt;/b&gt; aus (Vorgabe: das KBS der Ausdehnung), mit der &lt;b&gt;{PIXEL_SIZE}&lt;/b&gt; in den Einheiten dieses KBS (Vorgabe: 256 Pixel entlang der längeren Seite). Die Pixelmittelpunkte werden mit dem Transformationskontext des Projekts nach EPSG:4326 transformiert; Pixel, die sich nicht transformieren lassen, sind NoData (-9999).

&lt;b&gt;{OUTPUT_TYPE}&lt;/b&gt;:
- PCA-Ansicht: 3 Bänder (RGB), Komponenten aus einer Stichprobe der Pixel;
- Einbettung: die vollständige Einbettung (D float32-Bänder);
- Ähnlichkeit: Kosinus-Ähnlichkeit zu einer Referenz: die projizierte Straßenansichts-Einbettung von &lt;b&gt;{REFERENCE_IMAGE}&lt;/b&gt; (die Paarung, auf die GAIR trainiert ist), falls angegeben, sonst die Orts-Einbettung von &lt;b&gt;{REFERENCE_POINT}&lt;/b&gt;.

Wo die Pixel feiner sind, als es die höchste räumliche Frequenz des Encoders erfordert, wird der Encoder auf einem gröberen Gitter ausgewertet und interpoliert; an jedem Gitterzellenmittelpunkt ist zugesichert, dass das Ergebnis höchstens um die &lt;b&gt;{TOLERANCE}&lt;/b&gt; (Vorgabe 0.001) von der exakten Ausgabe abweicht; 0 wertet jedes Pixel aus.

Die Anzahl der Pixel ist begrenzt (GAIR_MAX_PIXELS / QGIS-Einstellung gair/max_pixels).</translation>
    </message>
    <message>
        <source>Output CRS</source>
        <translation>Ausgabe-KBS</translation>
    </message>
    <message>
        <source>Default: the extent&apos;s CRS.</source>
        <translation>Vorgabe: das KBS der Ausdehnung.</translation>
    </message>
    <message>
        <source>Pixel size</source>
        <translation>Pixelgröße</translation>
    </message>
    <message>
        <source>In the output CRS&apos;s units. Default: 256 pixels across the longer side.</source>
        <translation>In den Einheiten des Ausgabe-KBS. Vorgabe: 256 Pixel entlang der längeren Seite.</translation>
    </message>
    <message>
        <source>Reference location</source>
        <translation>Referenzort</translation>
    </message>
    <message>
        <source>For the similarity output: the place whose location embedding each pixel is compared with.</source>
        <translation>Für die Ähnlichkeitsausgabe: der Ort, mit dessen Orts-Einbettung jedes Pixel verglichen wird.</translation>
    </message>
    <message>
        <source>Reference photo</source>
        <translation>Referenzfoto</translation>
    </message>
    <message>
        <source>For the similarity output: a street-view photo, used instead of the reference location.</source>
        <translation>Für die Ähnlichkeitsausgabe: ein Straßenansichtsfoto, das statt des Referenzorts verwendet wird.</translation>
    </message>
    <message>
        <source>Interpolation tolerance</source>
        <translation>Interpolationstoleranz</translation>
    </message>
    <message>
        <source>The largest interpolation error on an output value; 0 evaluates every pixel.</source>
        <translation>Der größte Interpolationsfehler eines Ausgabewerts; 0 wertet jedes Pixel aus.</translation>
    </message>
    <message>
        <source>the similarity output needs a reference: set {image} (a photo) or {point} (e.g. &apos;lon,lat [EPSG:4326]&apos;)</source>
        <translation>die Ähnlichkeitsausgabe braucht eine Referenz: Setzen Sie {image} (ein Foto) oder {point} (z. B. 'lon,lat [EPSG:4326]')</translation>
    </message>
</context>
<context>
    <name>ModelEntry</name>
    <message>
        <source>UNTRAINED: random weights, its results carry no meaning</source>
        <translation>UNTRAINIERT: Zufallsgewichte, seine Ergebnisse haben keine Aussagekraft</translation>
    </message>
    <message>
        <source>Small model, weak heatmaps: the released GAIR weights (Models tab) give real results.</source>
        <translation>Kleines Modell, schwache Heatmaps: Die veröffentlichten GAIR-Gewichte (Reiter „Modelle“) liefern echte Ergebnisse.</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>mitgeliefert</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>heruntergeladen</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>importiert</translation>
    </message>
    <message>
        <source>UNTRAINED</source>
        <translation>UNTRAINIERT</translation>
    </message>
    <message>
        <source>cannot be used</source>
        <translation>nicht verwendbar</translation>
    </message>
    <message>
        <source>embedding size {}, RS bands {}</source>
        <translation>Einbettungsgröße {}, Fernerkundungsbänder {}</translation>
    </message>
    <message>
        <source>prediction heads: {}</source>
        <translation>Vorhersageköpfe: {}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>licence {}</source>
        <translation>Lizenz {}</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>no bundled model package found under resources/models</source>
        <translation>kein mitgeliefertes Modellpaket unter resources/models gefunden</translation>
    </message>
</context>
<context>
    <name>ModelManagerDock</name>
    <message>
        <source>GAIR</source>
        <translation>GAIR</translation>
    </message>
    <message>
        <source>GAIR models</source>
        <translation>GAIR-Modelle</translation>
    </message>
</context>
<context>
    <name>PackageList</name>
    <message>
        <source>Add folder…</source>
        <translation>Ordner hinzufügen …</translation>
    </message>
    <message>
        <source>Add a GAIR model package folder (with its model.json)</source>
        <translation>Einen GAIR-Modellpaketordner (mit seiner model.json) hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Dieses Modell verwenden</translation>
    </message>
    <message>
        <source>Make it the active model: every dock and Processing algorithm uses it</source>
        <translation>Zum aktiven Modell machen: Jedes Bedienfeld und jeder Verarbeitungsalgorithmus verwendet es</translation>
    </message>
    <message>
        <source>Make an int8 copy</source>
        <translation>Eine int8-Kopie erstellen</translation>
    </message>
    <message>
        <source>Active model: {}</source>
        <translation>Aktives Modell: {}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>Delete this package from your QGIS profile (it asks first)</source>
        <translation>Dieses Paket aus Ihrem QGIS-Profil löschen (mit Rückfrage)</translation>
    </message>
    <message>
        <source>Take this folder off the list (its files stay where they are)</source>
        <translation>Diesen Ordner von der Liste nehmen (seine Dateien bleiben, wo sie sind)</translation>
    </message>
    <message>
        <source>Only packages GAIR downloaded or imported, and folders you added, can be removed</source>
        <translation>Nur Pakete, die GAIR heruntergeladen oder importiert hat, und von Ihnen hinzugefügte Ordner können entfernt werden</translation>
    </message>
    <message>
        <source>Needs the Python package onnx, which GAIR&apos;s dependency installer does not install; the command line makes int8 copies: python -m gair_qgis.runtime.quantize</source>
        <translation>Benötigt das Python-Paket onnx, das GAIRs Abhängigkeits-Installationsprogramm nicht installiert; auf der Kommandozeile erstellen Sie int8-Kopien mit: python -m gair_qgis.runtime.quantize</translation>
    </message>
    <message>
        <source>This package is already an int8 copy</source>
        <translation>Dieses Paket ist bereits eine int8-Kopie</translation>
    </message>
    <message>
        <source>Write an int8-quantized copy of this package into your QGIS profile (faster on CPU)</source>
        <translation>Eine int8-quantisierte Kopie dieses Pakets in Ihr QGIS-Profil schreiben (schneller auf der CPU)</translation>
    </message>
    <message>
        <source>GAIR model package folder</source>
        <translation>GAIR-Modellpaketordner</translation>
    </message>
    <message>
        <source>Not added: {}</source>
        <translation>Nicht hinzugefügt: {}</translation>
    </message>
    <message>
        <source>Added {}.</source>
        <translation>{} hinzugefügt.</translation>
    </message>
    <message>
        <source>Making an int8 copy of {}…</source>
        <translation>Eine int8-Kopie von {} wird erstellt …</translation>
    </message>
    <message>
        <source>No int8 copy: {}</source>
        <translation>Keine int8-Kopie: {}</translation>
    </message>
    <message>
        <source>{} is off the list; its folder was not touched.</source>
        <translation>{} ist nicht mehr auf der Liste; sein Ordner wurde nicht angerührt.</translation>
    </message>
    <message>
        <source>Remove a GAIR model</source>
        <translation>Ein GAIR-Modell entfernen</translation>
    </message>
    <message>
        <source>Delete {} ({:.0f} MB) from your QGIS profile? You can download or import it again.</source>
        <translation>{} ({:.0f} MB) aus Ihrem QGIS-Profil löschen? Sie können es erneut herunterladen oder importieren.</translation>
    </message>
    <message>
        <source>Not removed: {}</source>
        <translation>Nicht entfernt: {}</translation>
    </message>
    <message>
        <source>Removed {} ({:.0f} MB freed).</source>
        <translation>{} entfernt ({:.0f} MB freigegeben).</translation>
    </message>
    <message>
        <source>This model is {}.</source>
        <translation>Dieses Modell ist {}.</translation>
    </message>
</context>
<context>
    <name>PackageTaskPanel</name>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>{} is now the active GAIR model (every GAIR dock and algorithm uses it).</source>
        <translation>{} ist jetzt das aktive GAIR-Modell (jedes GAIR-Bedienfeld und jeder GAIR-Algorithmus verwendet es).</translation>
    </message>
</context>
<context>
    <name>PhotoPicker</name>
    <message>
        <source>Street-view photo</source>
        <translation>Straßenansichtsfoto</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>Kein Foto</translation>
    </message>
    <message>
        <source>Cannot read this photo</source>
        <translation>Dieses Foto kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)</source>
        <translation>Fotos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>PointPickerRow</name>
    <message>
        <source>Pick on map</source>
        <translation>In der Karte wählen</translation>
    </message>
    <message>
        <source>Click on the map to set the point</source>
        <translation>In die Karte klicken, um den Punkt zu setzen</translation>
    </message>
    <message>
        <source>(clicked)</source>
        <translation>(angeklickt)</translation>
    </message>
    <message>
        <source>Picking: click the map</source>
        <translation>Auswahl: in die Karte klicken</translation>
    </message>
</context>
<context>
    <name>PredictionsDock</name>
    <message>
        <source>Also write a raster (a pixel per tile)</source>
        <translation>Auch ein Raster schreiben (ein Pixel pro Kachel)</translation>
    </message>
    <message>
        <source>RS layer</source>
        <translation>Fernerkundungs-Layer</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>Vorhersage</translation>
    </message>
    <message>
        <source>All heads</source>
        <translation>Alle Köpfe</translation>
    </message>
    <message>
        <source>this model package has no prediction heads for tiles</source>
        <translation>dieses Modellpaket hat keine Vorhersageköpfe für Kacheln</translation>
    </message>
    <message>
        <source>{} (photo head: use gair:svpoints)</source>
        <translation>{} (Fotokopf: gair:svpoints verwenden)</translation>
    </message>
    <message>
        <source>Choose an RS raster layer.</source>
        <translation>Wählen Sie einen Fernerkundungs-Raster-Layer.</translation>
    </message>
    <message>
        <source>The chosen model package has no prediction heads; choose another one.</source>
        <translation>Das gewählte Modellpaket hat keine Vorhersageköpfe; wählen Sie ein anderes.</translation>
    </message>
    <message>
        <source>{} tile(s); one layer per prediction head.</source>
        <translation>{} Kachel(n); ein Layer pro Vorhersagekopf.</translation>
    </message>
    <message>
        <source>GAIR predictions</source>
        <translation>GAIR-Vorhersagen</translation>
    </message>
    <message>
        <source>What is on each tile? Apply the model&apos;s prediction heads to every tile of a Sentinel-2 layer; each head becomes its own layer.</source>
        <translation>Was ist auf jeder Kachel? Wenden Sie die Vorhersageköpfe des Modells auf jede Kachel eines Sentinel-2-Layers an; jeder Kopf wird ein eigener Layer.</translation>
    </message>
</context>
<context>
    <name>ProbeProviderTask</name>
    <message>
        <source>GAIR: check the execution provider</source>
        <translation>GAIR: Execution Provider prüfen</translation>
    </message>
</context>
<context>
    <name>ProviderPanel</name>
    <message>
        <source>Execution provider</source>
        <translation>Execution Provider</translation>
    </message>
    <message>
        <source>Force CPU</source>
        <translation>CPU erzwingen</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Prüfen</translation>
    </message>
    <message>
        <source>Copy diagnostics</source>
        <translation>Diagnose kopieren</translation>
    </message>
    <message>
        <source>Open the selected model on onnxruntime and show the provider it runs on</source>
        <translation>Das gewählte Modell mit onnxruntime öffnen und den Provider anzeigen, auf dem es läuft</translation>
    </message>
    <message>
        <source>Run GAIR on the CPU even where a GPU execution provider is available</source>
        <translation>GAIR auf der CPU ausführen, auch wenn ein GPU-Execution-Provider verfügbar ist</translation>
    </message>
    <message>
        <source>Copy versions, execution providers and paths for a bug report</source>
        <translation>Versionen, Execution Provider und Pfade für einen Fehlerbericht kopieren</translation>
    </message>
    <message>
        <source>No execution provider: {} (see Dependencies below).</source>
        <translation>Kein Execution Provider: {} (siehe „Abhängigkeiten“ unten).</translation>
    </message>
    <message>
        <source>onnxruntime {}; available: {}.
Active: {}</source>
        <translation>onnxruntime {}; verfügbar: {}.
Aktiv: {}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source> (requested)</source>
        <translation> (angefordert)</translation>
    </message>
    <message>
        <source>{} (measured)</source>
        <translation>{} (gemessen)</translation>
    </message>
    <message>
        <source>Cannot open the model: {}</source>
        <translation>Das Modell kann nicht geöffnet werden: {}</translation>
    </message>
    <message>
        <source>empty: a local cluster on this machine</source>
        <translation>leer: ein lokaler Cluster auf diesem Rechner</translation>
    </message>
    <message>
        <source>Where gair:fieldbuild sends its work: a Dask scheduler address such as tcp://10.0.0.5:8786 (start one with `dask scheduler` and `dask worker ADDRESS`). Empty: a local cluster on this machine.</source>
        <translation>Wohin gair:fieldbuild seine Arbeit schickt: die Adresse eines Dask-Schedulers wie tcp://10.0.0.5:8786 (starten Sie einen mit `dask scheduler` und `dask worker ADRESSE`). Leer: ein lokaler Cluster auf diesem Rechner.</translation>
    </message>
    <message>
        <source>Dask scheduler</source>
        <translation>Dask-Scheduler</translation>
    </message>
</context>
<context>
    <name>QuantizeTask</name>
    <message>
        <source>GAIR: int8 copy of {}</source>
        <translation>GAIR: int8-Kopie von {}</translation>
    </message>
    <message>
        <source>cancelled; nothing was written</source>
        <translation>abgebrochen; nichts wurde geschrieben</translation>
    </message>
</context>
<context>
    <name>RsEmbedAlgorithm</name>
    <message>
        <source>Encode raster tiles (RS embeddings)</source>
        <translation>Rasterkacheln kodieren (Fernerkundungs-Einbettungen)</translation>
    </message>
    <message>
        <source>Tiles per batch</source>
        <translation>Kacheln pro Stapel</translation>
    </message>
    <message>
        <source>Raster to write</source>
        <translation>Zu schreibendes Raster</translation>
    </message>
    <message>
        <source>Embedding raster</source>
        <translation>Einbettungsraster</translation>
    </message>
    <message>
        <source>None (fill the tile cache only)</source>
        <translation>Keine (nur den Kachel-Cache füllen)</translation>
    </message>
    <message>
        <source>Global embedding per tile (D bands)</source>
        <translation>Globale Einbettung pro Kachel (D Bänder)</translation>
    </message>
    <message>
        <source>PCA of localized embeddings (3 bands)</source>
        <translation>PCA der lokalisierten Einbettungen (3 Bänder)</translation>
    </message>
    <message>
        <source>OUTPUT_TYPE {} writes a raster: set OUTPUT, or choose OUTPUT_TYPE 0</source>
        <translation>OUTPUT_TYPE {} schreibt ein Raster: Setzen Sie OUTPUT oder wählen Sie OUTPUT_TYPE 0</translation>
    </message>
    <message>
        <source>this EXTENT at this STRIDE</source>
        <translation>diese Ausdehnung (EXTENT) bei dieser Schrittweite (STRIDE)</translation>
    </message>
    <message>
        <source>choose a smaller EXTENT or a larger STRIDE</source>
        <translation>wählen Sie eine kleinere Ausdehnung (EXTENT) oder eine größere Schrittweite (STRIDE)</translation>
    </message>
    <message>
        <source>{count} tiles need about {needed:.1f} GB in the tile cache {folder}, which has {free:.1f} GB free; choose a smaller EXTENT, a larger STRIDE, or set GAIR_CACHE_DIR to a folder on a larger disk</source>
        <translation>{count} Kacheln benötigen etwa {needed:.1f} GB im Kachel-Cache {folder}, der {free:.1f} GB frei hat; wählen Sie eine kleinere Ausdehnung (EXTENT), eine größere Schrittweite (STRIDE) oder setzen Sie GAIR_CACHE_DIR auf einen Ordner auf einem größeren Datenträger</translation>
    </message>
    <message>
        <source>{count} tiles; their encodings go to the tile cache {folder} (about {needed:.2f} GB), so a cancelled or interrupted run resumes where it stopped. Memory stays bounded: tiles stream through. Set GAIR_MAX_TILES (or the QGIS setting gair/max_tiles) to impose a tile limit. The cache keeps {budget} GB at most, least recently used tiles deleted first ({sources}).</source>
        <translation>{count} Kacheln; ihre Kodierungen kommen in den Kachel-Cache {folder} (etwa {needed:.2f} GB), sodass ein abgebrochener oder unterbrochener Lauf dort fortsetzt, wo er aufgehört hat. Der Speicherbedarf bleibt begrenzt: Die Kacheln fließen hindurch. Setzen Sie GAIR_MAX_TILES (oder die QGIS-Einstellung gair/max_tiles), um eine Kachelgrenze festzulegen. Der Cache hält höchstens {budget} GB, die am längsten nicht verwendeten Kacheln werden zuerst gelöscht ({sources}).</translation>
    </message>
    <message>
        <source>Encodes a raster tile by tile with GAIR&apos;s RS encoder and keeps the encodings in the tile cache, so that later heatmaps and predictions on the same tiles return at once.

Tiles have the model&apos;s tile ground size (2 km for GAIR) in the raster&apos;s pixels, start at the top-left corner of the &lt;b&gt;{EXTENT}&lt;/b&gt; (default: the whole raster) and repeat every &lt;b&gt;{STRIDE}&lt;/b&gt; x tile size (1 = side by side, 0.5 = half overlap); tiles at the raster&apos;s edge are shifted inside it.

&lt;b&gt;{OUTPUT_TYPE}&lt;/b&gt;:
- None: fill the cache only.
- Global embedding per tile: one pixel per tile (D bands), pixels of the stride&apos;s size centred on each tile.
- PCA: a 3-band view of the NILI-localized embeddings at every output pixel (&lt;b&gt;{PIXEL_SIZE}&lt;/b&gt;, default the raster&apos;s); each pixel is evaluated in the tile whose central part contains it. PCA components come from a sample of the pixels; their scale has no absolute meaning.

&lt;b&gt;{BATCH_SIZE}&lt;/b&gt;: tiles per onnxruntime call (fewer when a batch would exceed 256 MB). Reading runs ahead of the model in a thread; the log reports tiles/s and the time left.

Any number of tiles (a whole Sentinel-2 scene) is allowed when the tile cache&apos;s disk can hold them: tiles stream through memory, and from 64 tiles on they are kept on disk (GAIR_CACHE_DIR, else the QGIS profile&apos;s gair/tile-cache), so a cancelled or killed run resumes where it stopped. Setting GAIR_MAX_TILES / the QGIS setting gair/max_tiles imposes a limit; the PCA view keeps every tile in memory and always uses it (default {max_tiles}). The disk cache keeps {max_cache_gb} GB at most (GAIR_MAX_CACHE_GB / gair/max_cache_gb): after a run, the least recently used tiles of other runs go first.</source>
        <translation>Kodiert ein Raster Kachel für Kachel mit GAIRs Fernerkundungs-Encoder und legt die Kodierungen im Kachel-Cache ab, sodass spätere Heatmaps und Vorhersagen auf denselben Kacheln sofort fertig sind.

Kacheln haben die Bodengröße der Modellkachel (2 km bei GAIR) in Pixeln des Rasters, beginnen an der oberen linken Ecke von &lt;b&gt;{EXTENT}&lt;/b&gt; (Vorgabe: das ganze Raster) und wiederholen sich alle &lt;b&gt;{STRIDE}&lt;/b&gt; x Kachelgröße (1 = nebeneinander, 0.5 = halb überlappend); Kacheln am Rand des Rasters werden ins Raster hinein verschoben.

&lt;b&gt;{OUTPUT_TYPE}&lt;/b&gt;:
- Keine: nur den Cache füllen.
- Globale Einbettung je Kachel: ein Pixel pro Kachel (D Bänder), Pixel in der Größe der Schrittweite, auf jede Kachel zentriert.
- PCA: eine 3-Band-Ansicht der NILI-lokalisierten Einbettungen an jedem Ausgabepixel (&lt;b&gt;{PIXEL_SIZE}&lt;/b&gt;, Vorgabe: die des Rasters); jedes Pixel wird in der Kachel ausgewertet, deren zentraler Teil es enthält. Die PCA-Komponenten stammen aus einer Stichprobe der Pixel; ihr Maßstab hat keine absolute Bedeutung.

&lt;b&gt;{BATCH_SIZE}&lt;/b&gt;: Kacheln pro onnxruntime-Aufruf (weniger, wenn ein Stapel 256 MB überschreiten würde). Das Lesen läuft dem Modell in einem Thread voraus; das Protokoll meldet Kacheln/s und die verbleibende Zeit.

Beliebig viele Kacheln (eine ganze Sentinel-2-Szene) sind erlaubt, wenn der Datenträger des Kachel-Caches sie fassen kann: Kacheln fließen durch den Speicher, und ab 64 Kacheln werden sie auf dem Datenträger gehalten (GAIR_CACHE_DIR, sonst gair/tile-cache im QGIS-Profil), sodass ein abgebrochener oder beendeter Lauf dort fortsetzt, wo er aufgehört hat. GAIR_MAX_TILES bzw. die QGIS-Einstellung gair/max_tiles setzt eine Grenze; die PCA-Ansicht hält jede Kachel im Speicher und verwendet die Grenze immer (Vorgabe {max_tiles}). Der Datenträger-Cache hält höchstens {max_cache_gb} GB (GAIR_MAX_CACHE_GB / gair/max_cache_gb): Nach einem Lauf werden zuerst die am längsten nicht verwendeten Kacheln anderer Läufe gelöscht.</translation>
    </message>
    <message>
        <source>Area to encode</source>
        <translation>Zu kodierendes Gebiet</translation>
    </message>
    <message>
        <source>Default: the whole raster.</source>
        <translation>Vorgabe: das ganze Raster.</translation>
    </message>
    <message>
        <source>Stride</source>
        <translation>Schrittweite</translation>
    </message>
    <message>
        <source>As a fraction of the tile size: 1 = side by side, 0.5 = half overlap.</source>
        <translation>Als Anteil der Kachelgröße: 1 = nebeneinander, 0.5 = halb überlappend.</translation>
    </message>
    <message>
        <source>PCA pixel size</source>
        <translation>PCA-Pixelgröße</translation>
    </message>
    <message>
        <source>For the PCA view, in the raster&apos;s CRS units. Default: the raster&apos;s own pixel size.</source>
        <translation>Für die PCA-Ansicht, in den KBS-Einheiten des Rasters. Vorgabe: die eigene Pixelgröße des Rasters.</translation>
    </message>
</context>
<context>
    <name>RunPanel</name>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>A run is in progress; wait for it or cancel it.</source>
        <translation>Ein Lauf ist im Gange; warten Sie darauf oder brechen Sie ihn ab.</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>Läuft …</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen …</translation>
    </message>
    <message>
        <source>Done in {:.1f} s.</source>
        <translation>Fertig in {:.1f} s.</translation>
    </message>
    <message>
        <source>Cancelled; nothing was added.</source>
        <translation>Abgebrochen; nichts wurde hinzugefügt.</translation>
    </message>
    <message>
        <source>The GAIR Processing provider is not loaded (is the GAIR plugin enabled?)</source>
        <translation>Der GAIR-Verarbeitungsanbieter ist nicht geladen (ist das GAIR-Plugin aktiviert?)</translation>
    </message>
    <message>
        <source>algorithm {} is not available</source>
        <translation>Algorithmus {} ist nicht verfügbar</translation>
    </message>
    <message>
        <source>{} failed</source>
        <translation>{} fehlgeschlagen</translation>
    </message>
    <message>
        <source>{}; choose an output folder you can write to</source>
        <translation>{}; wählen Sie einen Ausgabeordner, in den Sie schreiben können</translation>
    </message>
    <message>
        <source>Warning: {}.</source>
        <translation>Warnung: {}.</translation>
    </message>
</context>
<context>
    <name>SvHeatmapAlgorithm</name>
    <message>
        <source>Street-view similarity heatmap</source>
        <translation>Ähnlichkeits-Heatmap eines Straßenansichtsfotos</translation>
    </message>
    <message>
        <source>Street-view photo</source>
        <translation>Straßenansichtsfoto</translation>
    </message>
    <message>
        <source>Where the photo was taken</source>
        <translation>Aufnahmeort des Fotos</translation>
    </message>
    <message>
        <source>Tile to encode</source>
        <translation>Zu kodierende Kachel</translation>
    </message>
    <message>
        <source>Area to map</source>
        <translation>Zu kartierendes Gebiet</translation>
    </message>
    <message>
        <source>Output pixel size</source>
        <translation>Ausgabe-Pixelgröße</translation>
    </message>
    <message>
        <source>Similarity heatmap</source>
        <translation>Ähnlichkeits-Heatmap</translation>
    </message>
    <message>
        <source>Similarity at the photo&apos;s point</source>
        <translation>Ähnlichkeit am Punkt des Fotos</translation>
    </message>
    <message>
        <source>Default: the photo&apos;s EXIF GPS position.</source>
        <translation>Vorgabe: die EXIF-GPS-Position des Fotos.</translation>
    </message>
    <message>
        <source>This window alone as one model tile (no blending). Default: the raster&apos;s fixed grid of tiles, blended.</source>
        <translation>Allein dieses Fenster als eine Modellkachel (ohne Mischung). Vorgabe: das feste Kachelgitter des Rasters, gemischt.</translation>
    </message>
    <message>
        <source>Default: the tile of the raster&apos;s fixed grid nearest to the point.</source>
        <translation>Vorgabe: die Kachel des festen Rastergitters, die dem Punkt am nächsten liegt.</translation>
    </message>
    <message>
        <source>In the raster&apos;s CRS units. Default: the raster&apos;s own pixel size.</source>
        <translation>In den KBS-Einheiten des Rasters. Vorgabe: die eigene Pixelgröße des Rasters.</translation>
    </message>
    <message>
        <source>one tile, columns {}..{}, rows {}..{}</source>
        <translation>eine Kachel, Spalten {}..{}, Zeilen {}..{}</translation>
    </message>
    <message>
        <source>the raster&apos;s fixed grid: {} x {} px tiles every {} x {} px from its top-left corner, blended</source>
        <translation>das feste Gitter des Rasters: Kacheln von {} x {} px alle {} x {} px ab seiner oberen linken Ecke, gemischt</translation>
    </message>
    <message>
        <source>Tiles: {}; area: columns {}..{}, rows {}..{} of the raster, bounds {}</source>
        <translation>Kacheln: {}; Gebiet: Spalten {}..{}, Zeilen {}..{} des Rasters, Grenzen {}</translation>
    </message>
    <message>
        <source>raster CRS</source>
        <translation>Raster-KBS</translation>
    </message>
    <message>
        <source>the photo&apos;s EXIF GPS position ({:.6f}, {:.6f})</source>
        <translation>die EXIF-GPS-Position des Fotos ({:.6f}, {:.6f})</translation>
    </message>
    <message>
        <source>SV_POINT not given: using {}</source>
        <translation>SV_POINT nicht angegeben: verwende {}</translation>
    </message>
    <message>
        <source>{} lies outside the raster INPUT (x {:.6f}..{:.6f}, y {:.6f}..{:.6f} in {}); give a point inside the raster, or check the point&apos;s CRS</source>
        <translation>{} liegt außerhalb des Rasters INPUT (x {:.6f}..{:.6f}, y {:.6f}..{:.6f} in {}); geben Sie einen Punkt im Raster an oder prüfen Sie das KBS des Punktes</translation>
    </message>
    <message>
        <source>its CRS</source>
        <translation>seinem KBS</translation>
    </message>
    <message>
        <source>TILE_EXTENT {} does not overlap the raster INPUT; choose a window inside it</source>
        <translation>TILE_EXTENT {} überlappt das Raster INPUT nicht; wählen Sie ein Fenster darin</translation>
    </message>
    <message>
        <source>TILE_EXTENT reaches outside the raster: the tile is its part inside the raster</source>
        <translation>TILE_EXTENT reicht über das Raster hinaus: Die Kachel ist ihr Teil innerhalb des Rasters</translation>
    </message>
    <message>
        <source>Similarity at the photo&apos;s point: {:.4f}</source>
        <translation>Ähnlichkeit am Punkt des Fotos: {:.4f}</translation>
    </message>
    <message>
        <source>this EXTENT at this tile size</source>
        <translation>diese Ausdehnung (EXTENT) bei dieser Kachelgröße</translation>
    </message>
    <message>
        <source>choose a smaller EXTENT or a larger TILE_EXTENT</source>
        <translation>wählen Sie eine kleinere Ausdehnung (EXTENT) oder eine größere Kachel (TILE_EXTENT)</translation>
    </message>
    <message>
        <source>this EXTENT</source>
        <translation>diese Ausdehnung (EXTENT)</translation>
    </message>
    <message>
        <source>choose a smaller EXTENT or zoom in</source>
        <translation>wählen Sie eine kleinere Ausdehnung (EXTENT) oder zoomen Sie hinein</translation>
    </message>
    <message>
        <source>Cosine similarity between a street-view photo&apos;s projected embedding and the RS embedding localized by GAIR&apos;s implicit interpolator (NILI) at every output pixel centre.

&lt;b&gt;Tiles&lt;/b&gt;: one grid fixed to the raster: tiles of the model&apos;s ground size (2 km for GAIR), every half tile from the raster&apos;s top-left corner (the last ones shifted inside it), read at native resolution and resized to the model input as the model was trained. Each place lies in two tiles along each axis; their heatmaps are blended with a weight that falls to 0 at each tile&apos;s edge, so a place gets the same value whatever the point or the area, and no tile edge shows.

&lt;b&gt;{SV_POINT}&lt;/b&gt;: in any CRS (transformed to the raster&apos;s CRS with the project&apos;s transform context). Default: the photo&apos;s EXIF GPS position when it has one.

&lt;b&gt;{EXTENT}&lt;/b&gt;: default: the grid&apos;s tile whose centre is nearest to where the photo was taken.

&lt;b&gt;{TILE_EXTENT}&lt;/b&gt;: instead of the fixed grid, this window alone encoded as one model tile (snapped to the raster&apos;s pixels), and tiles of its size side by side over a larger area to map, each pixel evaluated in the tile that contains it (no blending).

&lt;b&gt;{PIXEL_SIZE}&lt;/b&gt;: in the raster&apos;s CRS units (default: the raster&apos;s own pixels).

&lt;b&gt;{OUTPUT}&lt;/b&gt;: float32 GeoTIFF in the raster&apos;s CRS (full WKT), nodata -9999 outside the raster and where all model bands are nodata. Encoded tiles are cached: another point or photo on tiles already encoded returns at once. The number of tiles is limited (GAIR_MAX_TILES / QGIS setting gair/max_tiles).</source>
        <translation>Kosinus-Ähnlichkeit zwischen der projizierten Einbettung eines Straßenansichtsfotos und der Fernerkundungs-Einbettung, die GAIRs impliziter Interpolator (NILI) an jedem Mittelpunkt eines Ausgabepixels lokalisiert.

&lt;b&gt;Kacheln&lt;/b&gt;: ein fest am Raster ausgerichtetes Gitter: Kacheln in der Bodengröße des Modells (2 km bei GAIR), alle halbe Kachel ab der oberen linken Ecke des Rasters (die letzten ins Raster hinein verschoben), in nativer Auflösung gelesen und auf die Modelleingabe skaliert, wie das Modell trainiert wurde. Jeder Ort liegt entlang jeder Achse in zwei Kacheln; deren Heatmaps werden mit einem Gewicht gemischt, das zum Rand jeder Kachel auf 0 fällt, sodass ein Ort unabhängig von Punkt und Gebiet denselben Wert erhält und keine Kachelkante sichtbar ist.

&lt;b&gt;{SV_POINT}&lt;/b&gt;: in beliebigem KBS (mit dem Transformationskontext des Projekts ins KBS des Rasters transformiert). Vorgabe: die EXIF-GPS-Position des Fotos, sofern vorhanden.

&lt;b&gt;{EXTENT}&lt;/b&gt;: Vorgabe: die Kachel des Gitters, deren Mittelpunkt dem Aufnahmeort des Fotos am nächsten liegt.

&lt;b&gt;{TILE_EXTENT}&lt;/b&gt;: statt des festen Gitters allein dieses Fenster als eine Modellkachel kodiert (an den Pixeln des Rasters ausgerichtet), und Kacheln seiner Größe nebeneinander über ein größeres zu kartierendes Gebiet, wobei jedes Pixel in der Kachel ausgewertet wird, die es enthält (ohne Mischung).

&lt;b&gt;{PIXEL_SIZE}&lt;/b&gt;: in den KBS-Einheiten des Rasters (Vorgabe: die Pixel des Rasters).

&lt;b&gt;{OUTPUT}&lt;/b&gt;: float32-GeoTIFF im KBS des Rasters (vollständiges WKT), NoData -9999 außerhalb des Rasters und wo alle Modellbänder NoData sind. Kodierte Kacheln werden zwischengespeichert: Ein weiterer Punkt oder ein weiteres Foto auf bereits kodierten Kacheln ist sofort fertig. Die Anzahl der Kacheln ist begrenzt (GAIR_MAX_TILES / QGIS-Einstellung gair/max_tiles).</translation>
    </message>
    <message>
        <source>the photo has no EXIF GPS position and {point} is not set; give {point} (where the photo was taken, e.g. &apos;lon,lat [EPSG:4326]&apos;), {extent} or {tile_extent}</source>
        <translation>das Foto hat keine EXIF-GPS-Position und {point} ist nicht gesetzt; geben Sie {point} (den Aufnahmeort des Fotos, z. B. 'lon,lat [EPSG:4326]'), {extent} oder {tile_extent} an</translation>
    </message>
</context>
<context>
    <name>SvPointsAlgorithm</name>
    <message>
        <source>Street-view photo points: similarity and predictions</source>
        <translation>Punkte mit Straßenansichtsfotos: Ähnlichkeit und Vorhersagen</translation>
    </message>
    <message>
        <source>Photo points</source>
        <translation>Fotopunkte</translation>
    </message>
    <message>
        <source>Photo path field</source>
        <translation>Feld mit dem Fotopfad</translation>
    </message>
    <message>
        <source>Points with similarity</source>
        <translation>Punkte mit Ähnlichkeit</translation>
    </message>
    <message>
        <source>Points evaluated</source>
        <translation>Ausgewertete Punkte</translation>
    </message>
    <message>
        <source>INPUT is not a readable point layer</source>
        <translation>INPUT ist kein lesbarer Punktlayer</translation>
    </message>
    <message>
        <source>feature {}: {}</source>
        <translation>Objekt {}: {}</translation>
    </message>
    <message>
        <source>these points</source>
        <translation>diese Punkte</translation>
    </message>
    <message>
        <source>split the layer or use fewer, closer points</source>
        <translation>teilen Sie den Layer auf oder verwenden Sie weniger, näher beieinander liegende Punkte</translation>
    </message>
    <message>
        <source>{} of {} point(s) evaluated</source>
        <translation>{} von {} Punkt(en) ausgewertet</translation>
    </message>
    <message>
        <source>no photo path in field {}</source>
        <translation>kein Fotopfad im Feld {}</translation>
    </message>
    <message>
        <source>the point lies outside the raster RASTER (or cannot be transformed to its CRS); move it inside</source>
        <translation>der Punkt liegt außerhalb des Rasters RASTER (oder lässt sich nicht in dessen KBS transformieren); verschieben Sie ihn hinein</translation>
    </message>
    <message>
        <source>For each point of the &lt;b&gt;{INPUT}&lt;/b&gt;, reads the photo named in the &lt;b&gt;{PHOTO_FIELD}&lt;/b&gt; (relative paths are resolved against the &lt;b&gt;{PHOTO_FOLDER}&lt;/b&gt;, default the layer&apos;s folder), encodes it, and compares its projected street-view embedding with the RS embedding of the raster localized at the point: the tile is a window of the model&apos;s tile ground size around the point (shifted inside the raster), as in gair:svheatmap; tiles are cached and shared by nearby points.

&lt;b&gt;{OUTPUT}&lt;/b&gt;: the input features with `gair_sim` (cosine similarity), `gair_tile` (the tile&apos;s column, row, width, height in the raster) and, where the model package has heads, their predictions: &apos;sv&apos; heads on the photo&apos;s embedding, &apos;location&apos; heads on the point&apos;s location embedding, &apos;rs_global&apos; heads on the tile&apos;s global embedding (&lt;b&gt;{HEAD}&lt;/b&gt;: only the head of that name). Points outside the raster or with unreadable photos keep NULL values and are listed as warnings. Multi-points use their centroid.</source>
        <translation>Liest für jeden Punkt der &lt;b&gt;{INPUT}&lt;/b&gt; das im &lt;b&gt;{PHOTO_FIELD}&lt;/b&gt; genannte Foto (relative Pfade beziehen sich auf den &lt;b&gt;{PHOTO_FOLDER}&lt;/b&gt;, Vorgabe: der Ordner des Layers), kodiert es und vergleicht seine projizierte Straßenansichts-Einbettung mit der am Punkt lokalisierten Fernerkundungs-Einbettung des Rasters: Die Kachel ist ein Fenster in der Bodengröße der Modellkachel um den Punkt (ins Raster hinein verschoben), wie bei gair:svheatmap; Kacheln werden zwischengespeichert und von nahe gelegenen Punkten gemeinsam genutzt.

&lt;b&gt;{OUTPUT}&lt;/b&gt;: die Eingabeobjekte mit `gair_sim` (Kosinus-Ähnlichkeit), `gair_tile` (Spalte, Zeile, Breite, Höhe der Kachel im Raster) und, wenn das Modellpaket Köpfe hat, deren Vorhersagen: 'sv'-Köpfe auf der Einbettung des Fotos, 'location'-Köpfe auf der Orts-Einbettung des Punktes, 'rs_global'-Köpfe auf der globalen Einbettung der Kachel (&lt;b&gt;{HEAD}&lt;/b&gt;: nur der Kopf dieses Namens). Punkte außerhalb des Rasters oder mit unlesbaren Fotos behalten NULL-Werte und werden als Warnungen aufgeführt. Multipunkte verwenden ihren Schwerpunkt.</translation>
    </message>
    <message>
        <source>Photo folder</source>
        <translation>Fotoordner</translation>
    </message>
    <message>
        <source>Relative photo paths start here. Default: the layer&apos;s folder.</source>
        <translation>Relative Fotopfade beginnen hier. Vorgabe: der Ordner des Layers.</translation>
    </message>
    <message>
        <source>A head&apos;s name. Default: every head of the model.</source>
        <translation>Der Name eines Kopfes. Vorgabe: jeder Kopf des Modells.</translation>
    </message>
</context>
<context>
    <name>TilePredictAlgorithm</name>
    <message>
        <source>Predict per tile (model heads)</source>
        <translation>Vorhersage pro Kachel (Modellköpfe)</translation>
    </message>
    <message>
        <source>Tile predictions</source>
        <translation>Kachelvorhersagen</translation>
    </message>
    <message>
        <source>Prediction raster</source>
        <translation>Vorhersageraster</translation>
    </message>
    <message>
        <source>the model package {} has no prediction head for tiles (input &apos;rs_global&apos; or &apos;location&apos;); choose a package with heads (MODEL)</source>
        <translation>das Modellpaket {} hat keinen Vorhersagekopf für Kacheln (Eingabe 'rs_global' oder 'location'); wählen Sie ein Paket mit Köpfen (MODEL)</translation>
    </message>
    <message>
        <source>this EXTENT</source>
        <translation>diese Ausdehnung (EXTENT)</translation>
    </message>
    <message>
        <source>choose a smaller EXTENT</source>
        <translation>wählen Sie eine kleinere Ausdehnung (EXTENT)</translation>
    </message>
    <message>
        <source>Applies the model package&apos;s prediction heads to every tile of a raster (tiles of the model&apos;s ground size, side by side from the top-left corner of the &lt;b&gt;{EXTENT}&lt;/b&gt;, default the whole raster; tiles at the edge are shifted inside it).

Heads that take the tile&apos;s global RS embedding (&apos;rs_global&apos;) get it; heads that take a location embedding (&apos;location&apos;) get that of the tile&apos;s centre. &lt;b&gt;{HEAD}&lt;/b&gt; picks one head by name (default: all such heads).

&lt;b&gt;{OUTPUT}&lt;/b&gt;: a polygon layer with one feature per tile: tile index, column and row, then per classification head the class label and one probability per class, per regression head one value per target. &lt;b&gt;{OUTPUT_RASTER}&lt;/b&gt; (optional): the same values as a raster over the area, never past the raster&apos;s edge: one pixel per tile where the area is a whole number of tiles, else a few pixels per tile (a class-index band first for classifiers).</source>
        <translation>Wendet die Vorhersageköpfe des Modellpakets auf jede Kachel eines Rasters an (Kacheln in der Bodengröße des Modells, nebeneinander ab der oberen linken Ecke von &lt;b&gt;{EXTENT}&lt;/b&gt;, Vorgabe: das ganze Raster; Kacheln am Rand werden ins Raster hinein verschoben).

Köpfe, die die globale Fernerkundungs-Einbettung der Kachel nehmen ('rs_global'), erhalten diese; Köpfe, die eine Orts-Einbettung nehmen ('location'), erhalten die des Kachelmittelpunkts. &lt;b&gt;{HEAD}&lt;/b&gt; wählt einen Kopf nach Namen (Vorgabe: alle solchen Köpfe).

&lt;b&gt;{OUTPUT}&lt;/b&gt;: ein Polygonlayer mit einem Objekt pro Kachel: Kachelindex, Spalte und Zeile, dann pro Klassifikationskopf die Klassenbezeichnung und eine Wahrscheinlichkeit pro Klasse, pro Regressionskopf ein Wert pro Zielgröße. &lt;b&gt;{OUTPUT_RASTER}&lt;/b&gt; (optional): dieselben Werte als Raster über das Gebiet, nie über den Rand des Rasters hinaus: ein Pixel pro Kachel, wo das Gebiet eine ganze Zahl von Kacheln umfasst, sonst einige Pixel pro Kachel (bei Klassifikatoren zuerst ein Band mit dem Klassenindex).</translation>
    </message>
    <message>
        <source>A head&apos;s name. Default: all tile heads.</source>
        <translation>Der Name eines Kopfes. Vorgabe: alle Kachelköpfe.</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Gebiet</translation>
    </message>
    <message>
        <source>Default: the whole raster.</source>
        <translation>Vorgabe: das ganze Raster.</translation>
    </message>
</context>
<context>
    <name>analysis</name>
    <message>
        <source>model package {} has no head named {}; its heads are: {}</source>
        <translation>Modellpaket {} hat keinen Kopf namens {}; seine Köpfe sind: {}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>head {} takes {} embeddings; this algorithm applies heads on {}</source>
        <translation>Kopf {} nimmt {}-Einbettungen; dieser Algorithmus wendet Köpfe auf {} an</translation>
    </message>
    <message>
        <source>head {} has unknown task {}; expected classification or regression</source>
        <translation>Kopf {} hat die unbekannte Aufgabe {}; erwartet: classification oder regression</translation>
    </message>
</context>
<context>
    <name>cache</name>
    <message>
        <source>the tile cache folder {}={} cannot be made: {} is a file; point {} at a folder (it is created if missing) or unset it</source>
        <translation>der Kachel-Cache-Ordner {}={} kann nicht angelegt werden: {} ist eine Datei; lassen Sie {} auf einen Ordner zeigen (er wird bei Bedarf angelegt) oder entfernen Sie die Variable</translation>
    </message>
    <message>
        <source>cannot write the tile cache entry {}: {}; free space on that disk or set {} to a writable folder with room</source>
        <translation>der Kachel-Cache-Eintrag {} kann nicht geschrieben werden: {}; schaffen Sie Platz auf diesem Datenträger oder setzen Sie {} auf einen beschreibbaren Ordner mit genug Platz</translation>
    </message>
</context>
<context>
    <name>installed_models</name>
    <message>
        <source>MODEL {} is neither a package folder nor an installed package; installed: {}</source>
        <translation>MODEL {} ist weder ein Paketordner noch ein installiertes Paket; installiert: {}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>{} is not a package GAIR downloaded or imported into {}; it was left untouched</source>
        <translation>{} ist kein Paket, das GAIR nach {} heruntergeladen oder importiert hat; es wurde nicht angerührt</translation>
    </message>
    <message>
        <source>{} names files outside its folder; it was left untouched</source>
        <translation>{} nennt Dateien außerhalb seines Ordners; es wurde nicht angerührt</translation>
    </message>
    <message>
        <source>{} also holds files GAIR did not write ({}); it was left untouched: move them out, then remove it again</source>
        <translation>{} enthält auch Dateien, die GAIR nicht geschrieben hat ({}); es wurde nicht angerührt: Verschieben Sie diese hinaus und entfernen Sie es dann erneut</translation>
    </message>
</context>
<context>
    <name>layers</name>
    <message>
        <source>QGIS cannot read the result {}</source>
        <translation>QGIS kann das Ergebnis {} nicht lesen</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>the place where the photo was taken</source>
        <translation>der Aufnahmeort des Fotos</translation>
    </message>
    <message>
        <source>the photo</source>
        <translation>das Foto</translation>
    </message>
    <message>
        <source>the tile</source>
        <translation>die Kachel</translation>
    </message>
    <message>
        <source>the area</source>
        <translation>das Gebiet</translation>
    </message>
    <message>
        <source>the RS layer</source>
        <translation>der Fernerkundungs-Layer</translation>
    </message>
    <message>
        <source>the model</source>
        <translation>das Modell</translation>
    </message>
    <message>
        <source>the pixel size</source>
        <translation>die Pixelgröße</translation>
    </message>
    <message>
        <source>the reference place</source>
        <translation>der Referenzort</translation>
    </message>
    <message>
        <source>the reference photo</source>
        <translation>das Referenzfoto</translation>
    </message>
    <message>
        <source>the prediction raster</source>
        <translation>das Vorhersageraster</translation>
    </message>
    <message>
        <source>the output file</source>
        <translation>die Ausgabedatei</translation>
    </message>
    <message>
        <source>the band list</source>
        <translation>die Bandliste</translation>
    </message>
    <message>
        <source>the prediction</source>
        <translation>die Vorhersage</translation>
    </message>
    <message>
        <source>The place where the photo was taken is outside the RS layer. Click inside the layer on the map, or choose the RS layer that covers that place.</source>
        <translation>Der Aufnahmeort des Fotos liegt außerhalb des Fernerkundungs-Layers. Klicken Sie in der Karte innerhalb des Layers oder wählen Sie den Fernerkundungs-Layer, der diesen Ort abdeckt.</translation>
    </message>
    <message>
        <source>The photo does not say where it was taken. Press Pick on map and click where it was taken.</source>
        <translation>Das Foto enthält keinen Aufnahmeort. Drücken Sie „In der Karte wählen“ und klicken Sie dorthin, wo es aufgenommen wurde.</translation>
    </message>
    <message>
        <source>This area needs {0} model tiles, more than the limit of {1}. Zoom in, or choose &apos;One model tile around the point&apos;.</source>
        <translation>Dieses Gebiet benötigt {0} Modellkacheln, mehr als die Grenze von {1}. Zoomen Sie hinein oder wählen Sie „Eine Modellkachel um den Punkt“.</translation>
    </message>
    <message>
        <source>This area at this pixel size needs {0} pixels, more than the limit of {1}. Choose a larger pixel size or a smaller area.</source>
        <translation>Dieses Gebiet benötigt bei dieser Pixelgröße {0} Pixel, mehr als die Grenze von {1}. Wählen Sie eine größere Pixelgröße oder ein kleineres Gebiet.</translation>
    </message>
    <message>
        <source>The RS layer has {0} band(s) and is not a Sentinel-2 stack GAIR can read: it needs the 10 bands B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 (or a 12-band L2A stack). Choose a Sentinel-2 layer.</source>
        <translation>Der Fernerkundungs-Layer hat {0} Band/Bänder und ist kein Sentinel-2-Stapel, den GAIR lesen kann: Es werden die 10 Bänder B2, B3, B4, B5, B6, B7, B8, B8A, B11, B12 (oder ein L2A-Stapel mit 12 Bändern) benötigt. Wählen Sie einen Sentinel-2-Layer.</translation>
    </message>
    <message>
        <source>The area does not overlap the RS layer. Zoom to the layer and try again.</source>
        <translation>Das Gebiet überlappt den Fernerkundungs-Layer nicht. Zoomen Sie auf den Layer und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The chosen model has no prediction heads. Choose another model in the dock.</source>
        <translation>Das gewählte Modell hat keine Vorhersageköpfe. Wählen Sie im Bedienfeld ein anderes Modell.</translation>
    </message>
    <message>
        <source>The photo cannot be read. Choose a JPEG, PNG or TIFF photo.</source>
        <translation>Das Foto kann nicht gelesen werden. Wählen Sie ein JPEG-, PNG- oder TIFF-Foto.</translation>
    </message>
    <message>
        <source>The run failed.</source>
        <translation>Der Lauf ist fehlgeschlagen.</translation>
    </message>
</context>
<context>
    <name>qgis_io</name>
    <message>
        <source>the raster layer is not valid; check that its file or service can be opened</source>
        <translation>der Raster-Layer ist ungültig; prüfen Sie, ob seine Datei oder sein Dienst geöffnet werden kann</translation>
    </message>
    <message>
        <source>window {} reaches outside the raster ({} x {} px)</source>
        <translation>Fenster {} reicht über das Raster hinaus ({} x {} px)</translation>
    </message>
    <message>
        <source>cannot read window {} of {}; check the file</source>
        <translation>Fenster {} von {} kann nicht gelesen werden; prüfen Sie die Datei</translation>
    </message>
    <message>
        <source>cannot read band {} of {}: {}</source>
        <translation>Band {} von {} kann nicht gelesen werden: {}</translation>
    </message>
    <message>
        <source>band {} has an unsupported data type ({}); convert the raster to integers or floats</source>
        <translation>Band {} hat einen nicht unterstützten Datentyp ({}); wandeln Sie das Raster in Ganz- oder Gleitkommazahlen um</translation>
    </message>
    <message>
        <source>{} has no valid CRS; assign one (Layer Properties &gt; Source, or gdal_edit.py -a_srs) and run again</source>
        <translation>{} hat kein gültiges KBS; weisen Sie eines zu (Layereigenschaften &gt; Quelle oder gdal_edit.py -a_srs) und starten Sie erneut</translation>
    </message>
    <message>
        <source>the point ({}, {}) of the raster cannot be transformed from {} to longitude and latitude, so its ground size is unknown; check the raster&apos;s CRS or reproject it</source>
        <translation>der Punkt ({}, {}) des Rasters lässt sich nicht von {} in Länge und Breite transformieren, daher ist seine Bodengröße unbekannt; prüfen Sie das KBS des Rasters oder projizieren Sie es um</translation>
    </message>
    <message>
        <source>the point ({}, {}) in {} cannot be transformed to {}; check the point&apos;s CRS</source>
        <translation>der Punkt ({}, {}) in {} lässt sich nicht nach {} transformieren; prüfen Sie das KBS des Punktes</translation>
    </message>
    <message>
        <source>its CRS</source>
        <translation>seinem KBS</translation>
    </message>
    <message>
        <source>the raster CRS</source>
        <translation>das KBS des Rasters</translation>
    </message>
    <message>
        <source>the output {} has an extension (&apos;{}&apos;) GDAL cannot write a raster to; choose .tif (GeoTIFF) or another writable format such as .img or .nc</source>
        <translation>die Ausgabe {} hat eine Endung ('{}'), in die GDAL kein Raster schreiben kann; wählen Sie .tif (GeoTIFF) oder ein anderes schreibbares Format wie .img oder .nc</translation>
    </message>
    <message>
        <source>the output folder {} does not exist; create it or choose another</source>
        <translation>der Ausgabeordner {} existiert nicht; legen Sie ihn an oder wählen Sie einen anderen</translation>
    </message>
    <message>
        <source>cannot create {}: {}</source>
        <translation>{} kann nicht angelegt werden: {}</translation>
    </message>
    <message>
        <source>cannot move {} to {}: check the folder&apos;s permissions</source>
        <translation>{} kann nicht nach {} verschoben werden: prüfen Sie die Berechtigungen des Ordners</translation>
    </message>
    <message>
        <source>the output folder {} is not writable ({}); choose a folder you can write to</source>
        <translation>der Ausgabeordner {} ist nicht beschreibbar ({}); wählen Sie einen Ordner, in den Sie schreiben können</translation>
    </message>
    <message>
        <source>the output {} already exists and is not overwritten; delete it or choose another file name</source>
        <translation>die Ausgabe {} existiert bereits und wird nicht überschrieben; löschen Sie sie oder wählen Sie einen anderen Dateinamen</translation>
    </message>
    <message>
        <source>the output {} already exists and is not overwritten</source>
        <translation>die Ausgabe {} existiert bereits und wird nicht überschrieben</translation>
    </message>
    <message>
        <source>the output {} appeared while writing; it was not overwritten</source>
        <translation>die Ausgabe {} ist während des Schreibens entstanden; sie wurde nicht überschrieben</translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>environment variable {} or QGIS setting {}</source>
        <translation>Umgebungsvariable {} oder QGIS-Einstellung {}</translation>
    </message>
    <message>
        <source>the {} is {}; set a whole number (default {})</source>
        <translation>{} ist {}; setzen Sie eine ganze Zahl (Vorgabe {})</translation>
    </message>
    <message>
        <source>the {} is {}; set a number of GB of 0 or more, such as 0.5 or 20 (default {})</source>
        <translation>{} ist {}; setzen Sie eine Zahl von GB ab 0, etwa 0.5 oder 20 (Vorgabe {})</translation>
    </message>
    <message>
        <source>Dask scheduler {} is not an address; give tcp://host:port (or tls://host:port), e.g. tcp://10.0.0.5:8786, or leave it empty for a local cluster</source>
        <translation>Dask-Scheduler {} ist keine Adresse; geben Sie tcp://host:port (oder tls://host:port) an, z. B. tcp://10.0.0.5:8786, oder lassen Sie das Feld für einen lokalen Cluster leer</translation>
    </message>
</context>
<context>
    <name>styling</name>
    <message>
        <source>cosine similarity, higher = more alike</source>
        <translation>Kosinus-Ähnlichkeit, höher = ähnlicher</translation>
    </message>
    <message>
        <source>UNTRAINED</source>
        <translation>UNTRAINIERT</translation>
    </message>
    <message>
        <source>; values {:.3g} to {:.3g}</source>
        <translation>; Werte {:.3g} bis {:.3g}</translation>
    </message>
    <message>
        <source>; {:.3g} at the photo&apos;s point</source>
        <translation>; {:.3g} am Punkt des Fotos</translation>
    </message>
    <message>
        <source>{:.3g} or less: least alike (stretched)</source>
        <translation>{:.3g} oder weniger: am wenigsten ähnlich (gestreckt)</translation>
    </message>
    <message>
        <source>{:.3g} or more: most alike</source>
        <translation>{:.3g} oder mehr: am ähnlichsten</translation>
    </message>
    <message>
        <source>{:.3g}: least alike</source>
        <translation>{:.3g}: am wenigsten ähnlich</translation>
    </message>
    <message>
        <source>{:.3g}: most alike</source>
        <translation>{:.3g}: am ähnlichsten</translation>
    </message>
    <message>
        <source>{}; colour scale {:.3g} (transparent) to {:.3g} (the values&apos; 2-98 % range).</source>
        <translation>{}; Farbskala {:.3g} (transparent) bis {:.3g} (der 2–98-%-Bereich der Werte).</translation>
    </message>
    <message>
        <source>{}; colour scale {:.3g} (transparent) to {:.3g}.</source>
        <translation>{}; Farbskala {:.3g} (transparent) bis {:.3g}.</translation>
    </message>
    <message>
        <source>predictions</source>
        <translation>Vorhersagen</translation>
    </message>
    <message>
        <source>similarity</source>
        <translation>Ähnlichkeit</translation>
    </message>
    <message>
        <source>PCA view</source>
        <translation>PCA-Ansicht</translation>
    </message>
    <message>
        <source>predictions (raster)</source>
        <translation>Vorhersagen (Raster)</translation>
    </message>
    <message>
        <source>embedding</source>
        <translation>Einbettung</translation>
    </message>
    <message>
        <source>heatmap</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <source>photo points</source>
        <translation>Fotopunkte</translation>
    </message>
</context>
<context>
    <name>tiles</name>
    <message>
        <source>a {} x {} px output</source>
        <translation>eine Ausgabe von {} x {} px</translation>
    </message>
    <message>
        <source>choose a larger PIXEL_SIZE or a smaller EXTENT</source>
        <translation>wählen Sie eine größere Pixelgröße (PIXEL_SIZE) oder eine kleinere Ausdehnung (EXTENT)</translation>
    </message>
    <message>
        <source>{} tile(s) reused from the tile cache</source>
        <translation>{} Kachel(n) aus dem Kachel-Cache wiederverwendet</translation>
    </message>
    <message>
        <source>the raster {} holds no data in the {} tile(s) used: every pixel of the model&apos;s bands is nodata; choose a raster, extent or point with data</source>
        <translation>das Raster {} enthält in den {} verwendeten Kachel(n) keine Daten: Jedes Pixel der Modellbänder ist NoData; wählen Sie ein Raster, eine Ausdehnung oder einen Punkt mit Daten</translation>
    </message>
    <message>
        <source>tile cache {}: {} least recently used tile(s) deleted ({:.2f} GB) to stay within {:g} GB ({})</source>
        <translation>Kachel-Cache {}: {} am längsten nicht verwendete Kachel(n) gelöscht ({:.2f} GB), um innerhalb von {:g} GB zu bleiben ({})</translation>
    </message>
    <message>
        <source>{}/{} tiles encoded, {:.1f} tiles/s, about {} left</source>
        <translation>{}/{} Kacheln kodiert, {:.1f} Kacheln/s, noch etwa {}</translation>
    </message>
    <message>
        <source>{} tile(s) encoded in {} ({:.1f} tiles/s)</source>
        <translation>{} Kachel(n) kodiert in {} ({:.1f} Kacheln/s)</translation>
    </message>
    <message>
        <source>{} min {} s</source>
        <translation>{} min {} s</translation>
    </message>
    <message>
        <source>{} s</source>
        <translation>{} s</translation>
    </message>
    <message>
        <source>EXTENT {} does not overlap the raster INPUT; choose an area inside it</source>
        <translation>EXTENT {} überlappt das Raster INPUT nicht; wählen Sie ein Gebiet darin</translation>
    </message>
</context>
</TS>
