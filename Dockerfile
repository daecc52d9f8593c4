FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp/matplotlib
COPY pyproject.toml README.md ./
COPY geo geo
COPY api api
COPY maps maps
COPY boundaries boundaries
COPY data data
RUN pip install --no-cache-dir . && crossings assets fetch
EXPOSE 8000
CMD ["crossings", "serve", "--host", "0.0.0.0", "--port", "8000"]
