"""Tooling shared by the scripts and the tests: the ASL renderer, the function catalog and the
local engine that runs the saga on moto."""
