"""The GAIR Processing provider and its algorithms (toolbox, modeler, batch, qgis_process)."""
