/** A PUT of bytes with progress (fetch reports none): the presigned URL the server's upload ticket names. */
export function putWithProgress(
  url: string,
  method: string,
  body: Blob,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new Error(`The upload was refused: ${request.status} ${request.statusText}`.trim()));
      }
    };
    request.onerror = () => reject(new Error("The upload failed: network error"));
    request.send(body);
  });
}
