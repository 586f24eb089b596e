"""s3env.py - a real S3 endpoint (RGW via rgw.sh) and AWS CLI helpers for
black-box tests.

    sys.path.insert(0, "<repo>/test/s3"); import s3env
    s3 = s3env.ensure()          # {"endpoint", "access_key", "secret_key",
                                 #  "region", "rgw_dir"}
    b = s3env.make_bucket()
    s3env.aws("s3", "cp", path, "s3://%s/k" % b, check=True)
    s3env.object_sha256(b, "k"); s3env.list_keys(b); s3env.list_objects(b)
    s3env.list_multipart_uploads(b)

Which endpoint: S3_ENDPOINT (+ S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION) from
the environment if set; else RGW_DIR/env if that names a running RGW; else
`rgw.sh start` into a fresh temporary directory, stopped and removed when the
process exits (an RGW that RGW_DIR names but that was not running is started
there and stopped at exit). The first call starts it; later calls reuse it. Set
RGW_DIR/S3_* in .ci/run to share one RGW among test processes.

AWS CLI: always /usr/bin/aws (Debian's; a pyenv shim may shadow `aws`), with
a private AWS_CONFIG_FILE (path-style addressing) so nothing under ~ is read
or written.
"""

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
RGW_SH = os.path.join(HERE, "rgw.sh")
AWS = "/usr/bin/aws"

_info = None
_aws_dir = None


def _read_env_file(path):
    vals = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.strip().partition("=")
            if sep:
                vals[k] = v
    return vals


def _from_vals(v, rgw_dir=None):
    return {"endpoint": v["S3_ENDPOINT"], "access_key": v["S3_ACCESS_KEY"],
            "secret_key": v["S3_SECRET_KEY"],
            "region": v.get("S3_REGION", "us-east-1"),
            "rgw_dir": v.get("RGW_DIR", rgw_dir)}


def _running(rgw_dir):
    """True when rgw_dir/env names an RGW that answers."""
    try:
        ep = _read_env_file(os.path.join(rgw_dir, "env"))["S3_ENDPOINT"]
        with urllib.request.urlopen(ep + "/", timeout=3) as r:
            return b"ListAllMyBucketsResult" in r.read()
    except (OSError, KeyError, ValueError):
        return False


def _start(rgw_dir, owned, env=None):
    """rgw.sh start RGW_DIR; when owned, stop it (and remove the directory if
    owned == "rmtree") at exit. env: extra variables for rgw.sh."""
    r = subprocess.run([RGW_SH, "start", rgw_dir], capture_output=True,
                       text=True, timeout=180,
                       env=dict(os.environ, **(env or {})))
    if r.returncode != 0:
        raise RuntimeError("rgw.sh start %s failed:\n%s%s"
                           % (rgw_dir, r.stdout, r.stderr))
    if owned:
        def stop():
            subprocess.run([RGW_SH, "stop", rgw_dir], capture_output=True,
                           timeout=60)
            if owned == "rmtree":
                shutil.rmtree(rgw_dir, ignore_errors=True)
        atexit.register(stop)
    return _from_vals(_read_env_file(os.path.join(rgw_dir, "env")), rgw_dir)


def ensure():
    """Return the S3 endpoint's details, starting RGW on first use (see the
    module doc). Raises RuntimeError when RGW cannot be started."""
    global _info
    if _info:
        return _info
    if os.environ.get("S3_ENDPOINT"):
        _info = _from_vals(os.environ)
    elif os.environ.get("RGW_DIR"):
        # rgw.sh start reuses an RGW running there (whoever started it stops
        # it); one started here is stopped at exit.
        d = os.environ["RGW_DIR"]
        _info = _start(d, owned=not _running(d))
    else:
        _info = _start(tempfile.mkdtemp(prefix="grm-rgw-"), owned="rmtree")
    return _info


def use_sts():
    """Make ensure() give an RGW with STS on (rgw.sh with RGW_STS=1), for the
    credentials suites: the one RGW_STS_DIR names (started there if it is not
    running, and then stopped at exit), else a private one in a temporary
    directory. Call it before anything calls ensure(). Returns ensure()."""
    global _info
    d = os.environ.get("RGW_STS_DIR")
    if d:
        _info = _start(d, owned=not _running(d), env={"RGW_STS": "1"})
    else:
        _info = _start(tempfile.mkdtemp(prefix="grm-rgw-sts-"), owned="rmtree",
                       env={"RGW_STS": "1"})
    return _info


def aws_env(endpoint=None, secret_key=None, extra=None):
    """Environment for /usr/bin/aws (credentials, region, private config);
    endpoint is not in it (aws takes --endpoint-url). secret_key overrides
    the secret (e.g. a wrong one); extra is merged last."""
    global _aws_dir
    info = ensure()
    if _aws_dir is None:
        _aws_dir = tempfile.mkdtemp(prefix="grm-aws-")
        atexit.register(shutil.rmtree, _aws_dir, True)
        with open(os.path.join(_aws_dir, "config"), "w") as f:
            f.write("[default]\nregion = %s\ns3 =\n    addressing_style = path\n"
                    % info["region"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": info["access_key"],
        "AWS_SECRET_ACCESS_KEY": secret_key or info["secret_key"],
        "AWS_DEFAULT_REGION": info["region"],
        "AWS_CONFIG_FILE": os.path.join(_aws_dir, "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(_aws_dir, "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    env.update(extra or {})
    return env


def aws(*args, endpoint=None, check=False, text=True, input=None,
        secret_key=None, timeout=300):
    """Run `/usr/bin/aws --endpoint-url ENDPOINT ARGS...` (endpoint defaults
    to RGW's; pass a FaultProxy's to go through it) and return the
    CompletedProcess (stdout/stderr captured; bytes when text=False). With
    check=True a non-zero exit raises RuntimeError carrying stderr."""
    ep = endpoint or ensure()["endpoint"]
    cmd = [AWS, "--endpoint-url", ep] + [str(a) for a in args]
    r = subprocess.run(cmd, env=aws_env(secret_key=secret_key),
                       capture_output=True, text=text, input=input,
                       timeout=timeout)
    if check and r.returncode != 0:
        err = r.stderr if text else r.stderr.decode("utf-8", "replace")
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[3:]),
                                                   r.returncode, err.strip()))
    return r


def _api(*args, endpoint=None):
    out = aws("s3api", *args, "--output", "json", endpoint=endpoint,
              check=True).stdout
    return json.loads(out) if out.strip() else {}


def make_bucket(prefix="grm", endpoint=None):
    """Create a bucket with a unique name (prefix-<random>) and return it."""
    name = ("%s-%s" % (prefix, uuid.uuid4().hex[:16])).lower()[:63]
    aws("s3api", "create-bucket", "--bucket", name, endpoint=endpoint,
        check=True)
    return name


def delete_bucket(bucket, endpoint=None):
    """Abort its multipart uploads, delete its objects and the bucket."""
    for u in list_multipart_uploads(bucket, endpoint=endpoint):
        aws("s3api", "abort-multipart-upload", "--bucket", bucket, "--key",
            u["Key"], "--upload-id", u["UploadId"], endpoint=endpoint)
    aws("s3", "rb", "--force", "s3://" + bucket, endpoint=endpoint, check=True)


def list_objects(bucket, prefix="", endpoint=None):
    """The bucket's objects under prefix, sorted by key: dicts with Key,
    Size, ETag, LastModified (s3api list-objects-v2, all pages)."""
    page = _api("list-objects-v2", "--bucket", bucket, "--prefix", prefix,
                endpoint=endpoint)  # the CLI follows continuation tokens
    return sorted(page.get("Contents", []), key=lambda o: o["Key"])


def list_keys(bucket, prefix="", endpoint=None):
    """Sorted keys of the bucket's objects under prefix."""
    return [o["Key"] for o in list_objects(bucket, prefix, endpoint=endpoint)]


def put_object(bucket, key, data, endpoint=None):
    """Upload bytes as bucket/key (single PUT via stdin for small data)."""
    aws("s3", "cp", "--no-progress", "-", "s3://%s/%s" % (bucket, key),
        input=data, text=False, endpoint=endpoint, check=True)


def get_object(bucket, key, endpoint=None):
    """The object's bytes."""
    return aws("s3", "cp", "--no-progress", "s3://%s/%s" % (bucket, key), "-",
               text=False, endpoint=endpoint, check=True).stdout


def head_object(bucket, key, endpoint=None):
    """s3api head-object's JSON (ContentLength, ETag, Metadata, ...)."""
    return _api("head-object", "--bucket", bucket, "--key", key,
                endpoint=endpoint)


def sha256(data_or_path):
    """Hex SHA-256 of bytes, or of a file's content given its path."""
    if isinstance(data_or_path, (bytes, bytearray)):
        return hashlib.sha256(data_or_path).hexdigest()
    h = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def object_sha256(bucket, key, endpoint=None):
    """Hex SHA-256 of the object's content."""
    return sha256(get_object(bucket, key, endpoint=endpoint))


def list_multipart_uploads(bucket, endpoint=None):
    """In-progress multipart uploads: list of dicts with Key, UploadId,
    Initiated (s3api list-multipart-uploads)."""
    return _api("list-multipart-uploads", "--bucket", bucket,
                endpoint=endpoint).get("Uploads", [])


def proxy(**kw):
    """A started fault_proxy.FaultProxy in front of RGW, stopped at exit."""
    from fault_proxy import FaultProxy  # beside this file
    p = FaultProxy(ensure()["endpoint"], **kw).start()
    atexit.register(p.stop)
    return p
