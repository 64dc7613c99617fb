"""Councils, localities, community panels and (later) funds, pots, rubrics and phases."""
