# The two commands a newcomer needs (each sets itself up into .venv first):
.PHONY: test reproduce docs sync clean
test:        ## ruff -> notebooks in sync -> nbdev_test -> pytest tests/ -> docs
	bash tools/test.sh
reproduce:   ## the main job: xltnb reproduce all --preset cpu (offline)
	bash tools/reproduce.sh
docs:        ## docs into _docs/ and README.md from nbs/index.ipynb
	bash tools/setup.sh && bash tools/docs.sh
sync:        ## export notebooks to modules and clean them
	.venv/bin/nbdev_export && .venv/bin/nbdev_clean
clean:
	rm -rf _proc _docs .pytest_cache
