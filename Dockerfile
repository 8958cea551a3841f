# The Airflow image chiso's compose deployment runs: Airflow 3.3 on Python 3.11 plus chiso's locked deps.
FROM apache/airflow:3.3.2-python3.11
USER root
RUN mkdir -p /opt/chiso && chown -R airflow:root /opt/chiso
USER airflow
WORKDIR /opt/chiso
COPY --chown=airflow:root pyproject.toml uv.lock README.md /opt/chiso/
COPY --chown=airflow:root plugins /opt/chiso/plugins
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/chiso
