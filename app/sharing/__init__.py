"""Information sharing: the disclosure register (what went out, under which legal basis; requests received and
their decisions) and signed case packages between installations."""
