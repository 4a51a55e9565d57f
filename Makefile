# The two commands a newcomer needs (each sets itself up into .venv first):
.PHONY: test test-slow reproduce docs sync clean
test:        ## the fast tier: ruff -> notebooks in sync -> nbdev_test -> pytest tests/ -m 'not slow'
	bash tools/test.sh
test-slow:   ## the slow tier (CI runs both): docs build -> pytest tests/ -m slow (every paper end to end, the docs)
	bash tools/test.sh slow
reproduce:   ## the main job: xltnb reproduce all --preset cpu (offline)
	bash tools/reproduce.sh
docs:        ## docs into _docs/ and README.md from nbs/index.ipynb
	bash tools/setup.sh && bash tools/docs.sh
sync:        ## export notebooks to modules and clean them
	.venv/bin/nbdev_export && .venv/bin/nbdev_clean
clean:
	rm -rf _proc _docs .pytest_cache
