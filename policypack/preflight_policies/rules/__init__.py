"""One module per checklist section; each exports POLICIES. catalog.py collects them."""
