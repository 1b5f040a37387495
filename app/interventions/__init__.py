"""Disengagement interventions: referrals, sessions, outcomes, observations, change over time."""
