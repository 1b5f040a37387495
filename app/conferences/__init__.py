"""Case conferences: meetings of a unit, the people discussed, decisions, dissent and actions."""
