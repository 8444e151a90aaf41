"""The Qt application: document model, network editor, panels, worker, main window."""
