// Public surface of src/clip (the owner of this folder adds its exports here).
export {};
