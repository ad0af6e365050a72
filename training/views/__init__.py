"""The pages of training, one module per area; training/urls.py lists them all."""
