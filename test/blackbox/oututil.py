"""oututil.py - an in-process S3 reader for test_out.py: AWS's own client,
the botocore that Debian's /usr/bin/aws runs (vendored as awscli.botocore),
called directly instead of starting /usr/bin/aws for every read (1-4 s each
on a busy machine). Path-style addressing, the credentials of s3env.ensure().

    s3 = S3Reader(s3env.ensure())
    b = s3.make_bucket(); s3.keys(b, prefix); s3.get(b, key); s3.head(b, key)
    s3.uploads(b); s3.put(b, key, data); s3.delete_bucket(b)
"""

import hashlib
import uuid

from awscli.botocore.config import Config
from awscli.botocore.exceptions import ClientError
from awscli.botocore.session import Session


class S3Reader:
    def __init__(self, info):
        self.client = Session().create_client(
            "s3", endpoint_url=info["endpoint"], region_name=info["region"],
            aws_access_key_id=info["access_key"],
            aws_secret_access_key=info["secret_key"],
            config=Config(s3={"addressing_style": "path"},
                          retries={"max_attempts": 2}))

    def make_bucket(self, prefix="grm-out"):
        """Create a bucket with a unique name and return it."""
        name = ("%s-%s" % (prefix, uuid.uuid4().hex[:16])).lower()[:63]
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket, prefix=""):
        """ListObjectsV2, every page: {key: size}."""
        out = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                out[o["Key"]] = o["Size"]
        return out

    def keys(self, bucket, prefix=""):
        """Sorted keys under prefix."""
        return sorted(self.objects(bucket, prefix))

    def get(self, bucket, key):
        """The object's bytes."""
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def sha256(self, bucket, key):
        return hashlib.sha256(self.get(bucket, key)).hexdigest()

    def head(self, bucket, key):
        """HeadObject's answer (ContentLength, ContentType, ETag, Metadata),
        or None for a missing key."""
        try:
            return self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise

    def put(self, bucket, key, data):
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def uploads(self, bucket):
        """In-progress multipart uploads: [(key, upload id)]."""
        out = []
        for page in self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=bucket):
            out += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        return out

    def delete_bucket(self, bucket):
        """Abort its uploads, delete its objects, then the bucket."""
        for key, upload_id in self.uploads(bucket):
            self.client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        keys = list(self.objects(bucket))
        for i in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
        self.client.delete_bucket(Bucket=bucket)
