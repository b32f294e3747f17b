"""Outbound channels: plain values in, a result out; no models, no database."""
