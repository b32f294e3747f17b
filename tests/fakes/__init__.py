"""Local servers that speak the real protocols of the outside services the app talks to."""
